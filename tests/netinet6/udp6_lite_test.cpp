// UDP-Lite over IPv6 (RFC 3828 with the RFC 8200 §8.1 pseudo-header):
// UDPLITE_SEND_CSCOV on output, partial coverage on input, the receiver's
// UDPLITE_RECV_CSCOV minimum, a zero checksum and bad coverages dropped and
// counted, and a port space apart from UDP's.
#include "netinet/udplite.hpp"
#include "netinet6/udp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

constexpr uint8_t kLite = IPPROTO_UDPLITE;

Socket* lite(Stack& st) { return mk6(st, IPPROTO_UDPLITE); }

Pkt lite_pkt(const Pkt& data, uint16_t dport, int cov) {
  return ip6(kPeer, kUs, kLite, udp6(kPeer, 1, kUs, dport, data, kLite, cov));
}

}  // namespace

TEST_CASE("udplite6: UDPLITE_SEND_CSCOV puts the coverage in the length field and the checksum covers that much") {
  Dual h;
  Socket* so = lite(h.st);
  REQUIRE(setint(*so, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 20) == 0);
  CHECK(getint(*so, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV) == 20);
  SockAddr to = sa6(kPeer, 9);
  REQUIRE(send6(*so, pattern(100), &to) == 0);
  Out6 o = h.take();
  CHECK(o.ip.nxt == kLite);
  REQUIRE(o.rest.size() == 108);
  CHECK(wire::get16(&o.rest[4]) == 20);
  // Only the first 20 bytes and the pseudo-header (with the full length) are summed.
  uint32_t s = wire::pseudo_sum6(o.ip.src, o.ip.dst, 108, kLite);
  CHECK(wire::cksum_finish(wire::cksum_add(s, std::span<const std::byte>(o.rest.data(), 20))) == 0);
  CHECK(h.in().udplite6stat.opackets == 1);
  // Full coverage by default on a new socket: the length field says the
  // whole length (Linux udplite_csum touches it only under SEND_CSCOV).
  Socket* full = lite(h.st);
  REQUIRE(send6(*full, pattern(10), &to) == 0);
  o = h.take();
  CHECK(wire::get16(&o.rest[4]) == 18);
  CHECK(o.sum_ok());
  soclose(*so);
  soclose(*full);
}

TEST_CASE("udplite6: partial coverage delivers damage outside it and drops damage inside it") {
  Dual h;
  Socket* so = lite(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 6000)) == 0);
  Pkt p = lite_pkt(pattern(64), 6000, 16);
  p[40 + 50] ^= std::byte(0xff);  // beyond the 16 covered bytes
  h.inject(p);
  Rcvd r = recv6(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data.size() == 64);
  CHECK(r.data[42] == (pattern(64)[42] ^ std::byte(0xff)));
  Pkt q = lite_pkt(pattern(64), 6000, 16);
  q[40 + 10] ^= std::byte(1);  // inside the coverage
  h.inject(q);
  CHECK(recv6(*so).err == EWOULDBLOCK);
  CHECK(h.in().udplite6stat.badsum == 1);
  soclose(*so);
}

TEST_CASE("udplite6: UDPLITE_RECV_CSCOV refuses less coverage: zero checksums and bad coverages are dropped") {
  Dual h;
  Socket* so = lite(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 6001)) == 0);
  REQUIRE(setint(*so, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV, 30) == 0);
  h.inject(lite_pkt(pattern(64), 6001, 20));
  CHECK(recv6(*so).err == EWOULDBLOCK);
  CHECK(h.in().udplite6stat.shortcov == 1);
  h.inject(lite_pkt(pattern(64), 6001, 40));
  CHECK(recv6(*so).data == pattern(64));
  h.inject(ip6(kPeer, kUs, kLite, udp6(kPeer, 1, kUs, 6001, pattern(8), kLite, 0, false)));
  CHECK(h.in().udplite6stat.nosum == 1);
  h.inject(lite_pkt(pattern(8), 6001, 7));  // below the header
  h.inject(lite_pkt(pattern(8), 6001, 17)); // beyond the datagram
  CHECK(h.in().udplite6stat.badcov == 2);
  CHECK(recv6(*so).err == EWOULDBLOCK);
  soclose(*so);
}

TEST_CASE("udplite6: UDP-Lite has its own port space and UDP datagrams never reach it") {
  Dual h;
  Socket* u = mk6(h.st);
  Socket* l = lite(h.st);
  REQUIRE(bind6(*u, sa6(In6{}, 6002)) == 0);
  REQUIRE(bind6(*l, sa6(In6{}, 6002)) == 0);  // no conflict across protocols
  h.inject(udp6_pkt(kPeer, 1, kUs, 6002, bytes("udp")));
  h.inject(lite_pkt(bytes("lite"), 6002, 0));
  CHECK(recv6(*u).data == bytes("udp"));
  CHECK(recv6(*l).data == bytes("lite"));
  CHECK(recv6(*u).err == EWOULDBLOCK);
  CHECK(recv6(*l).err == EWOULDBLOCK);
  // UDPLITE_* on a UDP socket: ENOPROTOOPT to set (Linux), 0 to read.
  CHECK(setint(*u, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 20) == ENOPROTOOPT);
  CHECK(getint(*u, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV) == 0);
  // A dual-stack UDP-Lite socket takes IPv4 UDP-Lite too, v4-mapped.
  Pkt u4 = ip4_udp(kPeer4, 1, kUs4, 6002, bytes("lite4"));
  Pkt body(u4.begin() + 20, u4.end());
  wire::put16(&body[4], 0);
  wire::put16(&body[6], 0);
  wire::put16(&body[6], wire::cksum_finish(wire::cksum_add(wire::pseudo_sum(kPeer4, kUs4, kLite, uint16_t(body.size())), body)));
  Pkt p4(20 + body.size());
  wire::Ipv4Repr r;
  r.total_len = uint16_t(p4.size());
  r.ttl = 64;
  r.proto = kLite;
  r.src = kPeer4;
  r.dst = kUs4;
  wire::ipv4_emit(p4.data(), r);
  std::copy(body.begin(), body.end(), p4.begin() + 20);
  h.inject(p4);
  Rcvd got = recv6(*l);
  CHECK(got.data == bytes("lite4"));
  CHECK(got.from_addr() == mapped(kPeer4));
  soclose(*u);
  soclose(*l);
}
