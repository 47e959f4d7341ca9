// IPv6 input: header validation (RFC 8200 §3, RFC 4291), the extension
// header chain (RFC 8200 §4), and dispatch by next header through the
// inet6 protocol table; each rule is answered or dropped as the RFC says.
#include <random>

#include "netinet/in_var.hpp"
#include "netinet6/inet6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {
Pkt exp_pkt(const In6& dst = kUs) { return ip6(kPeer, dst, kExp, bytes("payload!")); }
}

TEST_CASE("ip6: a packet for us reaches the protocol registered for its next header") {
  Host6 h;
  fake_register(h);
  Pkt p = exp_pkt();
  h.inject(p);
  REQUIRE(fake_seen().input.size() == 1);
  CHECK(fake_seen().input[0] == p);
  CHECK(fake_seen().off[0] == 40);
  CHECK(h.s().delivered == 1);
  CHECK(h.out.empty());
  // Our link-local address and the all-nodes group are ours too.
  h.inject(ip6(kPeerLL, kUsLL, kExp, bytes("x")));
  h.inject(ip6(kPeerLL, kAllNodes, kExp, bytes("x")));
  CHECK(fake_seen().input.size() == 3);
}

TEST_CASE("ip6: payload length beyond the packet is dropped, padding after it is trimmed (RFC 8200 §3)") {
  Host6 h;
  fake_register(h);
  Pkt p = exp_pkt();
  h.inject(Pkt(p.begin(), p.end() - 1));
  CHECK(h.s().badlen == 1);
  h.inject(Pkt(p.begin(), p.begin() + 39));
  CHECK(h.s().tooshort == 1);
  Pkt padded = cat({p, bytes({0, 0, 0, 0})});
  h.inject(padded);
  REQUIRE(fake_seen().input.size() == 1);
  CHECK(fake_seen().input[0] == p);
}

TEST_CASE("ip6: a multicast source, ::1 from a wire, the unspecified destination are dropped (RFC 4291)") {
  Host6 h;
  fake_register(h);
  h.inject(ip6(kGroup, kUs, kExp, bytes("x")));
  h.inject(ip6(a6("::1"), kUs, kExp, bytes("x")));
  h.inject(ip6(kPeer, a6("::1"), kExp, bytes("x")));
  CHECK(h.s().badaddr == 2);
  CHECK(h.s().notforus == 1);  // ::1 is only for the loopback interface
  h.inject(ip6(kPeer, a6("::"), kExp, bytes("x")));
  CHECK(h.s().badaddr == 3);
  CHECK(fake_seen().input.empty());
  CHECK(h.out.empty());
}

TEST_CASE("ip6: a packet for another host or a group we did not join is not forwarded") {
  Host6 h;
  fake_register(h);
  h.inject(exp_pkt(kFar));
  h.inject(exp_pkt(kGroup));
  CHECK(h.s().notforus == 2);
  CHECK(fake_seen().input.empty());
  CHECK(h.out.empty());
}

TEST_CASE("ip6: an unknown next header draws parameter problem code 1 pointing at the byte that named it") {
  Host6 h;
  Pkt p = ip6(kPeer, kUs, kExp, bytes("payload!"));
  h.inject(p);
  CHECK(h.s().noproto == 1);
  REQUIRE(h.out.size() == 1);
  Out6 e = h.take();
  CHECK(e.ip.nxt == 58);
  CHECK(e.ip.src == kUs);
  CHECK(e.ip.dst == kPeer);
  CHECK(e.sum_ok());
  CHECK(e.type() == 4);
  CHECK(e.code() == 1);
  CHECK(e.info() == 6);  // the Next Header field of the IPv6 header
  CHECK(e.quoted() == p);
  // Behind a destination options header: the pointer is that header's first byte.
  h.advance(std::chrono::seconds(1));
  h.inject(ip6(kPeer, kUs, 60, cat({opthdr(kExp, {}), bytes("payload!")})));
  Out6 e2 = h.take();
  CHECK(e2.code() == 1);
  CHECK(e2.info() == 40);
}

TEST_CASE("ip6: hop-by-hop options anywhere but first draw parameter problem code 1 (RFC 8200 §4.1)") {
  Host6 h;
  fake_register(h);
  h.inject(ip6(kPeer, kUs, 0, cat({opthdr(kExp, {}), bytes("first ok")})));
  CHECK(fake_seen().input.size() == 1);
  CHECK(fake_seen().off[0] == 48);
  h.inject(ip6(kPeer, kUs, 60, cat({opthdr(0, {}), opthdr(kExp, {}), bytes("second!!")})));
  CHECK(fake_seen().input.size() == 1);
  Out6 e = h.take();
  CHECK(e.type() == 4);
  CHECK(e.code() == 1);
  CHECK(e.info() == 40);  // the destination options' Next Header that named hop-by-hop
}

TEST_CASE("ip6: routing headers with segments left draw parameter problem at the type (RFC 8200 §4.4, RFC 5095)") {
  Host6 h;
  fake_register(h);
  // Type 0 (deprecated, RFC 5095 §3) with a segment left.
  h.inject(ip6(kPeer, kUs, 43, cat({routing(kExp, 0, 1), bytes("payload!")})));
  Out6 e = h.take();
  CHECK(e.type() == 4);
  CHECK(e.code() == 0);
  CHECK(e.info() == 42);  // the Routing Type byte
  // An unknown type with a segment left: the same.
  h.inject(ip6(kPeer, kUs, 43, cat({routing(kExp, 77, 2, 2), bytes("payload!")})));
  CHECK(h.take().info() == 42);
  CHECK(fake_seen().input.empty());
  // No segment left: the header is ignored and the packet goes on.
  h.inject(ip6(kPeer, kUs, 43, cat({routing(kExp, 0, 0), bytes("payload!")})));
  h.inject(ip6(kPeer, kUs, 43, cat({routing(kExp, 77, 0), bytes("payload!")})));
  CHECK(fake_seen().input.size() == 2);
  CHECK(fake_seen().off[0] == 40 + 24);
  CHECK(h.out.empty());
}

TEST_CASE("ip6: unknown options act on their type's two high bits (RFC 8200 §4.2)") {
  Host6 h;
  fake_register(h);
  auto with_opt = [&](uint8_t hdr, int type, const In6& dst) {
    return ip6(kPeerLL, dst, hdr, cat({opthdr(kExp, bytes({1, 1, 0, type, 2, 0xaa, 0xbb})), bytes("payload!")}));
  };
  for (uint8_t hdr : {uint8_t(0), uint8_t(60)}) {
    CAPTURE(int(hdr));
    fake_seen() = {};
    h.out.clear();
    h.in6().icmp6_bucket.clear();
    // 00: skip over it.
    h.inject(with_opt(hdr, 0x1e, kUsLL));
    CHECK(fake_seen().input.size() == 1);
    // 01: discard silently.
    h.inject(with_opt(hdr, 0x5e, kUsLL));
    CHECK(h.out.empty());
    // 10: discard and answer, even to a multicast destination.
    h.inject(with_opt(hdr, 0x9e, kUsLL));
    h.inject(with_opt(hdr, 0x9e, kAllNodes));
    REQUIRE(h.out.size() == 2);
    for (int i = 0; i < 2; ++i) {
      Out6 e = h.take();
      CHECK(e.type() == 4);
      CHECK(e.code() == 2);
      CHECK(e.info() == 45);  // the option's type byte (after PadN)
      CHECK(e.ip.dst == kPeerLL);
      CHECK(e.ip.src == kUsLL);  // for the multicast one: our link-local, by source selection
    }
    // 11: discard and answer only a unicast destination.
    h.inject(with_opt(hdr, 0xde, kAllNodes));
    CHECK(h.out.empty());
    h.inject(with_opt(hdr, 0xde, kUsLL));
    REQUIRE(h.out.size() == 1);
    CHECK(h.take().code() == 2);
    CHECK(fake_seen().input.size() == 1);
  }
}

TEST_CASE("ip6: an option running past its header is dropped, Pad1 and PadN are skipped") {
  Host6 h;
  fake_register(h);
  h.inject(ip6(kPeer, kUs, 60, cat({opthdr(kExp, bytes({0, 0, 1, 0})), bytes("payload!")})));
  CHECK(fake_seen().input.size() == 1);
  Pkt bad = cat({opthdr(kExp, {}), bytes("payload!")});
  bad[2] = std::byte(0x1e);  // a skippable option claiming 200 bytes in a 6-byte space
  bad[3] = std::byte(200);
  h.inject(ip6(kPeer, kUs, 60, bad));
  CHECK(h.s().badoptions == 1);
  CHECK(fake_seen().input.size() == 1);
}

TEST_CASE("ip6: no next header (59) ends the packet quietly") {
  Host6 h;
  h.inject(ip6(kPeer, kUs, 60, cat({opthdr(59, {}), bytes("ignored!")})));
  CHECK(h.out.empty());
  CHECK(h.s().noproto == 0);
}

TEST_CASE("ip6: both domains attached, the version nibble picks ip_input or ip6_input") {
  Host6 h;
  inet_attach(h.st);
  REQUIRE(in_add_address(*h.tun, 0xc6120002, 24) == 0);  // 198.18.0.2
  fake_register(h);
  h.inject(exp_pkt());
  CHECK(fake_seen().input.size() == 1);
  // An IPv4 echo request is answered by IPv4.
  Pkt icmp(8 + 4);
  icmp[0] = std::byte(8);
  wire::put16(&icmp[2], wire::cksum(icmp));
  Pkt v4(20 + icmp.size());
  wire::Ipv4Repr r;
  r.total_len = uint16_t(v4.size());
  r.proto = 1;
  r.src = 0xc6120001;
  r.dst = 0xc6120002;
  wire::ipv4_emit(v4.data(), r);
  std::copy(icmp.begin(), icmp.end(), v4.begin() + 20);
  h.inject(v4);
  REQUIRE(h.out.size() == 1);
  CHECK((uint8_t(h.out[0][0]) >> 4) == 4);
  CHECK(inet(h.st).ipstat.total == 1);
  CHECK(h.s().total == 1);
}

TEST_CASE("ip6: random and truncated extension header chains are refused without harm") {
  Host6 h;
  fake_register(h);
  std::mt19937 rng(7);
  const uint8_t kinds[] = {0, 43, 44, 60, 58, kExp, 59};
  for (int i = 0; i < 3000; ++i) {
    Pkt rest;
    uint8_t first = kinds[rng() % 7];
    uint8_t nxt = first;
    for (int k = 0, n = int(rng() % 4); k < n && nxt != 58 && nxt != kExp && nxt != 59; ++k) {
      uint8_t after = kinds[rng() % 7];
      Pkt hdr;
      if (nxt == 44) hdr = fraghdr(after, uint16_t((rng() % 4) * 8), rng() % 2, rng() % 3);
      else if (nxt == 43) hdr = routing(after, uint8_t(rng() % 3), uint8_t(rng() % 2));
      else hdr = opthdr(after, bytes({int(rng() % 256), 1, 0}));
      rest.insert(rest.end(), hdr.begin(), hdr.end());
      nxt = after;
    }
    Pkt tail = pattern(rng() % 40);
    rest.insert(rest.end(), tail.begin(), tail.end());
    Pkt p = ip6(kPeer, kUs, first, rest);
    for (int k = 0, n = int(rng() % 3); k < n && p.size() > 40; ++k) p[40 + rng() % (p.size() - 40)] = std::byte(rng());
    if (rng() % 5 == 0) p.resize(40 + rng() % (p.size() - 39));
    h.inject(p);
    if (i % 100 == 0) h.advance(std::chrono::seconds(7));
  }
  h.advance(std::chrono::seconds(61));
  CHECK(h.s().total == 3000);
  CHECK(h.in6().reass.empty());
  CHECK(h.in6().reass_bytes == 0);
}
