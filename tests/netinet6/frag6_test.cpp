// IPv6 reassembly (RFC 8200 §4.5) with RFC 5722 (overlaps drop the whole
// datagram), RFC 6946/8021 (atomic fragments are whole packets), RFC 7112
// (the first fragment holds the header chain), and the 60 s timeout
// answered with Time Exceeded code 1.
#include "netinet6/inet6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

// Fragment off..off+len of data (the fragmentable part) with id.
Pkt frag(const Pkt& data, int off, int len, bool more, uint32_t id = 0x1234, uint8_t nxt = kExp) {
  Pkt piece(data.begin() + off, data.begin() + off + len);
  return ip6(kPeer, kUs, 44, cat({fraghdr(nxt, uint16_t(off), more, id), piece}));
}

}  // namespace

TEST_CASE("frag6: fragments in order and out of order reassemble and reach the protocol") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(3000);
  h.inject(frag(data, 0, 1200, true));
  h.inject(frag(data, 1200, 1200, true));
  CHECK(fake_seen().input.empty());
  h.inject(frag(data, 2400, 600, false));
  REQUIRE(fake_seen().input.size() == 1);
  CHECK(fake_seen().input[0] == ip6(kPeer, kUs, kExp, data));  // the fragment header gone, lengths right
  CHECK(fake_seen().off[0] == 40);
  // Last first, then the middle, then the first.
  h.inject(frag(data, 2400, 600, false, 7));
  h.inject(frag(data, 1200, 1200, true, 7));
  h.inject(frag(data, 0, 1200, true, 7));
  REQUIRE(fake_seen().input.size() == 2);
  CHECK(fake_seen().input[1] == fake_seen().input[0]);
  CHECK(h.s().reassembled == 2);
  CHECK(h.in6().reass.empty());
  CHECK(h.in6().reass_bytes == 0);
}

TEST_CASE("frag6: a destination options header before the fragment header stays in the unfragmentable part") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(64);
  Pkt dopt = opthdr(44, {});
  auto piece = [&](int off, int len, bool more) {
    return ip6(kPeer, kUs, 60, cat({dopt, fraghdr(kExp, uint16_t(off), more, 9), Pkt(data.begin() + off, data.begin() + off + len)}));
  };
  h.inject(piece(32, 32, false));
  h.inject(piece(0, 32, true));
  REQUIRE(fake_seen().input.size() == 1);
  CHECK(fake_seen().input[0] == ip6(kPeer, kUs, 60, cat({opthdr(kExp, {}), data})));
  CHECK(fake_seen().off[0] == 48);
}

TEST_CASE("frag6: an overlapping fragment drops the whole datagram and its fragments still to come (RFC 5722)") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(3000);
  h.inject(frag(data, 0, 1200, true));
  h.inject(frag(data, 1200, 1200, true));
  h.inject(frag(data, 1192, 16, true));  // overlaps both
  CHECK(h.s().fragoverlap == 1);
  CHECK(h.in6().reass_bytes == 0);
  // The rest of the datagram, even the pieces that would complete it, are dropped.
  h.inject(frag(data, 2400, 600, false));
  h.inject(frag(data, 0, 1200, true));
  h.inject(frag(data, 1200, 1200, true));
  CHECK(fake_seen().input.empty());
  CHECK(h.s().reassembled == 0);
  // No Time Exceeded for a datagram dropped for overlap.
  h.advance(std::chrono::seconds(61));
  CHECK(h.out.empty());
  CHECK(h.in6().reass.empty());
  // A new datagram with the same id afterwards is fine.
  h.inject(frag(data, 0, 1200, true));
  h.inject(frag(data, 1200, 1800, false));
  CHECK(fake_seen().input.size() == 1);
}

TEST_CASE("frag6: overlap at the end and a last fragment contradicting the length drop the datagram too") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(2000);
  h.inject(frag(data, 1000, 1000, false, 1));
  h.inject(frag(data, 0, 1008, true, 1));  // runs 8 bytes into the last one
  CHECK(h.s().fragoverlap == 1);
  h.inject(frag(data, 0, 1000, true, 2));
  h.inject(frag(data, 1000, 1000, false, 2));
  h.inject(frag(data, 1000, 1000, false, 3));
  h.inject(frag(data, 1000, 800, false, 3));  // a second, different end
  CHECK(h.s().fragoverlap == 2);
  CHECK(fake_seen().input.size() == 1);  // id 2 only
}

TEST_CASE("frag6: an exact duplicate fragment is dropped alone") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(2000);
  h.inject(frag(data, 0, 1000, true));
  h.inject(frag(data, 0, 1000, true));
  CHECK(h.s().fragoverlap == 0);
  CHECK(h.s().fragdropped == 1);
  h.inject(frag(data, 1000, 1000, false));
  REQUIRE(fake_seen().input.size() == 1);
  CHECK(fake_seen().input[0] == ip6(kPeer, kUs, kExp, data));
}

TEST_CASE("frag6: an atomic fragment is a whole packet, apart from a queue with its id (RFC 6946, RFC 8021)") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(2000);
  h.inject(frag(data, 0, 1000, true, 5));  // a queue for id 5
  Pkt small = pattern(100);
  h.inject(ip6(kPeer, kUs, 44, cat({fraghdr(kExp, 0, false, 5), small})));
  REQUIRE(fake_seen().input.size() == 1);
  CHECK(fake_seen().input[0] == ip6(kPeer, kUs, kExp, small));
  CHECK(h.s().atomicfrags == 1);
  CHECK(h.s().fragoverlap == 0);
  // The queue for id 5 is untouched and completes.
  h.inject(frag(data, 1000, 1000, false, 5));
  REQUIRE(fake_seen().input.size() == 2);
  CHECK(fake_seen().input[1] == ip6(kPeer, kUs, kExp, data));
}

TEST_CASE("frag6: a non-last fragment not a multiple of 8 bytes draws parameter problem at the payload length") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(2000);
  Pkt p = frag(data, 0, 1001, true);
  h.inject(p);
  Out6 e = h.take();
  CHECK(e.type() == 4);
  CHECK(e.code() == 0);
  CHECK(e.info() == 4);
  CHECK(e.quoted() == p);
  CHECK(h.in6().reass.empty());
}

TEST_CASE("frag6: a fragment ending beyond 65535 draws parameter problem at the fragment offset") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(1000);
  Pkt p = ip6(kPeer, kUs, 44, cat({fraghdr(kExp, 65000, false, 1), data}));
  h.inject(p);
  Out6 e = h.take();
  CHECK(e.type() == 4);
  CHECK(e.code() == 0);
  CHECK(e.info() == 42);
  CHECK(h.in6().reass.empty());
}

TEST_CASE("frag6: a first fragment without the whole header chain draws parameter problem code 3 (RFC 7112)") {
  Host6 h;
  fake_register(h);
  // The first fragment ends inside a destination options header.
  Pkt chain = cat({opthdr(kExp, pattern(30)), bytes("payload!")});
  Pkt p = ip6(kPeer, kUs, 44, cat({fraghdr(60, 0, true, 3), Pkt(chain.begin(), chain.begin() + 16)}));
  h.inject(p);
  Out6 e = h.take();
  CHECK(e.type() == 4);
  CHECK(e.code() == 3);
  CHECK(e.info() == 0);
  CHECK(h.in6().reass.empty());
}

TEST_CASE("frag6: after 60 s an incomplete datagram draws Time Exceeded code 1, only if its first fragment came") {
  Host6 h;
  fake_register(h);
  Pkt data = pattern(3000);
  Pkt first = frag(data, 0, 1200, true, 1);
  h.inject(first);
  h.inject(frag(data, 2400, 600, false, 1));
  h.inject(frag(data, 1200, 1200, true, 2));  // id 2: no first fragment
  h.advance(std::chrono::milliseconds(59999));
  CHECK(h.out.empty());
  CHECK(h.in6().reass.size() == 2);
  h.advance(std::chrono::milliseconds(1));
  REQUIRE(h.out.size() == 1);
  Out6 e = h.take();
  CHECK(e.type() == 3);
  CHECK(e.code() == 1);
  CHECK(e.ip.dst == kPeer);
  CHECK(e.quoted() == Pkt(first.begin(), first.begin() + 1280 - 48));  // as much as fits in 1280
  CHECK(h.in6().reass.empty());
  CHECK(h.s().fragtimeout == 3);
  CHECK(fake_seen().input.empty());
}

TEST_CASE("frag6: the reassembly memory is bounded") {
  Host6 h;
  fake_register(h);
  h.in6().reass_limit = 10000;
  Pkt data = pattern(1200);
  for (uint32_t id = 0; id < 20; ++id) h.inject(frag(data, 0, 1200, true, id));
  CHECK(h.in6().reass_bytes <= 10000);
  CHECK(h.in6().reass.size() == 8);
  h.advance(std::chrono::seconds(60));
  CHECK(h.in6().reass_bytes == 0);
}
