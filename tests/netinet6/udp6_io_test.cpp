// UDP over IPv6 through the socket layer on one scripted host: output with
// the RFC 8200 §8.1 pseudo-header checksum, input good, bad and zero
// checksums (zero is invalid over IPv6), port unreachable, dual-stack
// sockets receiving and sending IPv4 with v4-mapped names, and malformed
// datagrams dropped with their counters.
#include "netinet6/udp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

bool udp6_sum_ok(const Out6& o) {
  return wire::cksum_finish(
             wire::cksum_add(wire::pseudo_sum6(o.ip.src, o.ip.dst, uint32_t(o.rest.size()), o.ip.nxt), o.rest)) == 0;
}

}  // namespace

TEST_CASE("udp6: sendto over IPv6 carries ports length and a pseudo-header checksum that verifies") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4000)) == 0);
  SockAddr to = sa6(kFar, 53);
  REQUIRE(send6(*so, pattern(100), &to) == 0);
  Out6 o = h.take();
  CHECK(o.ip.nxt == 17);
  CHECK(o.ip.src == kUs);
  CHECK(o.ip.dst == kFar);
  CHECK(o.ip.hlim == 64);
  REQUIRE(o.rest.size() == 108);
  CHECK(wire::get16(&o.rest[0]) == 4000);
  CHECK(wire::get16(&o.rest[2]) == 53);
  CHECK(wire::get16(&o.rest[4]) == 108);
  CHECK(wire::get16(&o.rest[6]) != 0);
  CHECK(udp6_sum_ok(o));
  CHECK(Pkt(o.rest.begin() + 8, o.rest.end()) == pattern(100));
  CHECK(h.in().udp6stat.opackets == 1);
  CHECK(h.in().udpstat.opackets == 0);
  soclose(*so);
}

TEST_CASE("udp6: a datagram whose checksum computes to zero is sent as 0xffff (RFC 8200 §8.1)") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4001)) == 0);
  SockAddr to = sa6(kFar, 53);
  // Find two payload bytes that make the sum come out 0: the checksum of
  // the datagram with data 00 00 is c; data = c's complement-add makes it 0.
  Pkt probe = udp6(kUs, 4001, kFar, 53, bytes({0, 0}));
  const uint16_t c = wire::get16(&probe[6]);
  Pkt data = bytes({c >> 8, c & 0xff});
  REQUIRE(send6(*so, data, &to) == 0);
  Out6 o = h.take();
  CHECK(wire::get16(&o.rest[6]) == 0xffff);
  CHECK(udp6_sum_ok(o));
  soclose(*so);
}

TEST_CASE("udp6: input with a good checksum is delivered with the sender's address: bad and zero ones are dropped and counted") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4002)) == 0);
  h.inject(udp6_pkt(kPeer, 999, kUs, 4002, bytes("hello")));
  Rcvd r = recv6(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == bytes("hello"));
  CHECK(r.from.family() == AF_INET6);
  CHECK(r.from_addr() == kPeer);
  CHECK(r.from_port() == 999);
  CHECK(h.in().udp6stat.ipackets == 1);

  Pkt bad = udp6_pkt(kPeer, 999, kUs, 4002, bytes("hello"));
  bad[40 + 8] ^= std::byte(1);  // one data bit flipped after the checksum was made
  h.inject(bad);
  CHECK(h.in().udp6stat.badsum == 1);

  Pkt zero = ip6(kPeer, kUs, 17, udp6(kPeer, 999, kUs, 4002, bytes("hello"), 17, -1, false));
  h.inject(zero);
  CHECK(h.in().udp6stat.nosum == 1);  // RFC 8200 §8.1: dropped, not accepted as IPv4 would
  CHECK(recv6(*so).err == EWOULDBLOCK);
  CHECK(h.out.empty());  // no ICMPv6 for either
  CHECK(h.in().udpstat.ipackets == 0);
  soclose(*so);
}

TEST_CASE("udp6: no socket on the port is answered with ICMPv6 port unreachable quoting the datagram") {
  Dual h;
  Pkt in = udp6_pkt(kPeer, 999, kUs, 4444, bytes("anyone?"));
  h.inject(in);
  CHECK(h.in().udp6stat.noport == 1);
  Out6 o = h.take();
  CHECK(o.ip.nxt == 58);
  CHECK(o.ip.dst == kPeer);
  CHECK(o.type() == 1);
  CHECK(o.code() == 4);
  CHECK(o.sum_ok());
  CHECK(o.quoted() == in);
  // A V6ONLY-less socket bound to ::ffff:0.0.0.0 takes IPv4 only: still unreachable.
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(mapped(0), 4444)) == 0);
  h.advance(std::chrono::seconds(2));
  h.inject(in);
  CHECK(h.in().udp6stat.noport == 2);
  CHECK(recv6(*so).err == EWOULDBLOCK);
  soclose(*so);
}

TEST_CASE("udp6: a dual-stack socket on :: receives IPv4 with a v4-mapped source: a V6ONLY one does not") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4003)) == 0);
  h.inject(ip4_udp(kPeer4, 1234, kUs4, 4003, bytes("v4 hi")));
  Rcvd r = recv6(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == bytes("v4 hi"));
  CHECK(r.from.family() == AF_INET6);
  CHECK(r.from.len == sizeof(sockaddr_in6));
  CHECK(r.from_addr() == mapped(kPeer4));
  CHECK(r.from_port() == 1234);
  CHECK(h.in().udpstat.ipackets == 1);  // counted as IPv4 UDP, as Linux's Udp MIB does

  Socket* only = mk6(h.st);
  REQUIRE(setint(*only, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  REQUIRE(bind6(*only, sa6(In6{}, 4004)) == 0);
  h.inject(ip4_udp(kPeer4, 1234, kUs4, 4004, bytes("v4 hi")));
  CHECK(recv6(*only).err == EWOULDBLOCK);
  CHECK(h.in().udpstat.noport == 1);
  auto icmp = take4(h);
  REQUIRE(icmp);
  CHECK(icmp->proto == 1);  // ICMP port unreachable over IPv4
  soclose(*so);
  soclose(*only);
}

TEST_CASE("udp6: sendto a v4-mapped address goes out as IPv4 from the socket's port: the reply comes back mapped") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4005)) == 0);
  SockAddr to = sa6(mapped(kPeer4), 53);
  REQUIRE(send6(*so, bytes("query"), &to) == 0);
  Pkt udp;
  auto ip = take4(h, &udp);
  REQUIRE(ip);
  CHECK(ip->src == kUs4);
  CHECK(ip->dst == kPeer4);
  CHECK(ip->proto == 17);
  CHECK(wire::get16(&udp[0]) == 4005);
  CHECK(wire::get16(&udp[2]) == 53);
  CHECK(h.in().udpstat.opackets == 1);
  // The socket stays dual: IPv6 still works.
  SockAddr to6 = sa6(kPeer, 53);
  REQUIRE(send6(*so, bytes("q6"), &to6) == 0);
  CHECK(h.take().ip.dst == kPeer);
  h.inject(ip4_udp(kPeer4, 53, kUs4, 4005, bytes("answer")));
  Rcvd r = recv6(*so);
  CHECK(r.data == bytes("answer"));
  CHECK(r.from_addr() == mapped(kPeer4));
  soclose(*so);
}

TEST_CASE("udp6: a connected IPv6 socket takes only its peer's datagrams and send without address goes to it") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(connect6(*so, sa6(kPeer, 7000)) == 0);
  const uint16_t lport = sotoinpcb(*so)->inp_lport;
  REQUIRE(send6(*so, bytes("ping"), nullptr) == 0);
  Out6 o = h.take();
  CHECK(o.ip.dst == kPeer);
  CHECK(wire::get16(&o.rest[2]) == 7000);
  h.inject(udp6_pkt(kFar, 7000, kUs, lport, bytes("stranger")));
  CHECK(recv6(*so).err == EWOULDBLOCK);
  h.inject(udp6_pkt(kPeer, 7000, kUs, lport, bytes("pong")));
  CHECK(recv6(*so).data == bytes("pong"));
  soclose(*so);
}

TEST_CASE("udp6: sendto errnos as Linux udpv6_sendmsg gives them") {
  Dual h;
  Socket* so = mk6(h.st);
  SockAddr zero = sa6(kPeer, 0);
  CHECK(send6(*so, bytes("x"), &zero) == EINVAL);  // port 0
  SockAddr shortsa = sa6(kPeer, 9);
  shortsa.len = 20;
  CHECK(send6(*so, bytes("x"), &shortsa) == EINVAL);
  SockAddr unix_sa;
  unix_sa.ss.ss_family = AF_UNIX;
  unix_sa.len = sizeof(sockaddr_in6);
  CHECK(send6(*so, bytes("x"), &unix_sa) == EINVAL);
  CHECK(send6(*so, bytes("x"), nullptr) == EDESTADDRREQ);
  CHECK(sotoinpcb(*so)->inp_lport != 0);  // the failed sends bound it (inet_send_prepare)
  Pkt big(65528);
  SockAddr to = sa6(kPeer, 9);
  CHECK(send6(*so, big, &to) == EMSGSIZE);  // 65528 + 8 > 65535
  soclose(*so);
}

TEST_CASE("udp6: malformed datagrams are dropped with their counters (short header lying length no header)") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4006)) == 0);
  Pkt good = udp6(kPeer, 1, kUs, 4006, bytes("abcdef"));
  h.inject(ip6(kPeer, kUs, 17, Pkt(good.begin(), good.begin() + 5)));  // 5 bytes: no room for the header
  CHECK(h.in().udp6stat.hdrops == 1);
  Pkt longer = good;
  wire::put16(&longer[4], uint16_t(good.size() + 1));  // length beyond the IPv6 payload
  h.inject(ip6(kPeer, kUs, 17, longer));
  CHECK(h.in().udp6stat.badlen == 1);
  Pkt tiny = good;
  wire::put16(&tiny[4], 7);  // below the header
  h.inject(ip6(kPeer, kUs, 17, tiny));
  CHECK(h.in().udp6stat.badlen == 2);
  // A length shorter than the payload: trimmed to it (checksum over the
  // UDP length), as RFC 768 and Linux read it.
  Pkt shorter = udp6(kPeer, 1, kUs, 4006, bytes("abc"));
  Pkt padded = cat({shorter, bytes("junk")});
  h.inject(ip6(kPeer, kUs, 17, padded));
  Rcvd r = recv6(*so);
  CHECK(r.data == bytes("abc"));
  CHECK(recv6(*so).err == EWOULDBLOCK);
  CHECK(h.out.empty());
  soclose(*so);
}

TEST_CASE("udp6: fuzz-ish: 2000 seeded random UDP6 datagrams never deliver a corrupt one and every drop is counted") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4007)) == 0);
  REQUIRE(setint(*so, SOL_SOCKET, SO_RCVBUF, 1 << 20) == 0);
  Rng rng(42);
  uint64_t delivered = 0;
  for (int i = 0; i < 2000; ++i) {
    Pkt data = pattern(rng.next_u32() % 64);
    Pkt u = udp6(kPeer, 1, kUs, 4007, data);
    const uint32_t what = rng.next_u32() % 4;
    if (what == 1) u[rng.next_u32() % u.size()] ^= std::byte(1 + rng.next_u32() % 255);       // a flipped byte
    if (what == 2) u.resize(rng.next_u32() % u.size());                                      // cut short
    if (what == 3) wire::put16(&u[4], uint16_t(rng.next_u32()));                             // any length field
    h.inject(ip6(kPeer, kUs, 17, u));
    for (Rcvd r = recv6(*so); r.err == 0; r = recv6(*so)) {
      ++delivered;
      CHECK(r.data == pattern(r.data.size()));  // whatever got through is intact
    }
    h.out.clear();  // port unreachables for corrupted ports
  }
  const UdpStat& s = h.in().udp6stat;
  CHECK(s.ipackets == 2000);
  CHECK(delivered + s.hdrops + s.badlen + s.badsum + s.nosum + s.noport + s.fullsock == 2000);
  CHECK(delivered >= 500);
  soclose(*so);
}

TEST_CASE("udp6: UDP_CORK gathers IPv6 sends into one datagram sent when the cork comes out") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(setint(*so, IPPROTO_UDP, UDP_CORK, 1) == 0);
  SockAddr to = sa6(kPeer, 9);
  REQUIRE(send6(*so, bytes("ab"), &to) == 0);
  SockAddr elsewhere = sa6(kFar, 10);
  REQUIRE(send6(*so, bytes("cd"), &elsewhere) == 0);  // joins the first one's datagram (Linux)
  CHECK(h.out.empty());
  REQUIRE(setint(*so, IPPROTO_UDP, UDP_CORK, 0) == 0);
  Out6 o = h.take();
  CHECK(o.ip.dst == kPeer);
  CHECK(wire::get16(&o.rest[2]) == 9);
  CHECK(Pkt(o.rest.begin() + 8, o.rest.end()) == bytes("abcd"));
  CHECK(udp6_sum_ok(o));
  CHECK(h.out.empty());
  soclose(*so);
}
