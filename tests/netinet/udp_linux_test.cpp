// UDP where Linux's answers are not FreeBSD's, as the differential compat
// cases (tests/compat/udp) found them: connect again in place, routes from
// a loopback source, INADDR_ANY destinations, AF_UNSPEC in sendto, the
// implicit bind of a failed call, datagrams after shutdown(SHUT_RD), option
// levels that are not UDP's, IP_MTU toward loopback, broadcast loop-back,
// the other SOL_IP flags, local errors (EMSGSIZE) in the error queue, UDP_CORK.
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/udp.h>

#include "netinet/in.hpp"
#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

constexpr uint32_t kLo = 0x7f000001;

sockaddr_in name_of(Socket& so) {
  SockAddr a;
  REQUIRE(sogetsockname(so, &a) == 0);
  sockaddr_in s;
  std::memcpy(&s, &a.ss, sizeof s);
  return s;
}

sockaddr_in peer_of(Socket& so) {
  SockAddr a;
  REQUIRE(sogetpeername(so, &a) == 0);
  sockaddr_in s;
  std::memcpy(&s, &a.ss, sizeof s);
  return s;
}

}  // namespace

TEST_CASE("udp linux: a second connect keeps the source address and port the first chose") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kPeer, 7), Td{}) == 0);
  sockaddr_in first = name_of(*so);
  CHECK(ntohl(first.sin_addr.s_addr) == kUs);
  Socket* lo = mksock(h.st);
  REQUIRE(sobind(*lo, sin(kLo, 20040), Td{}) == 0);
  REQUIRE(soconnect(*so, sin(kLo, 20040), Td{}) == 0);
  sockaddr_in again = name_of(*so);
  CHECK(ntohl(again.sin_addr.s_addr) == kUs);  // not 127.0.0.1
  CHECK(again.sin_port == first.sin_port);
  CHECK(ntohl(peer_of(*so).sin_addr.s_addr) == kLo);
  REQUIRE(send_to(*so, bytes_of("to lo"), nullptr) == 0);
  h.run();
  Rcvd r = recv_from(*lo);
  REQUIRE(r.err == 0);
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohl(from.sin_addr.s_addr) == kUs);
  CHECK(from.sin_port == first.sin_port);
  for (Socket* s : {so, lo}) soclose(*s);
}

TEST_CASE("udp linux: a socket bound to 127.0.0.1 cannot reach the link (EINVAL), our own address it can") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(kLo, 20041), Td{}) == 0);
  SockAddr peer = sin(kPeer, 9);
  CHECK(soconnect(*so, peer, Td{}) == EINVAL);
  CHECK(send_to(*so, bytes_of("x"), &peer) == EINVAL);
  SockAddr far = sin(kFar, 53);
  CHECK(send_to(*so, bytes_of("x"), &far) == EINVAL);
  CHECK(h.out.empty());
  Socket* us = mksock(h.st);
  REQUIRE(sobind(*us, sin(kUs, 20042), Td{}) == 0);
  SockAddr to_us = sin(kUs, 20042);
  REQUIRE(send_to(*so, bytes_of("local"), &to_us) == 0);
  h.run();
  CHECK(recv_from(*us).data == bytes_of("local"));
  for (Socket* s : {so, us}) soclose(*s);
}

TEST_CASE("udp linux: INADDR_ANY as destination is the bound address, else 127.0.0.1") {
  Host h;
  Socket* srv = mksock(h.st);
  REQUIRE(sobind(*srv, sin(0, 20040), Td{}) == 0);
  Socket* a = mksock(h.st);
  REQUIRE(soconnect(*a, sin(0, 20040), Td{}) == 0);
  CHECK(ntohl(peer_of(*a).sin_addr.s_addr) == kLo);
  CHECK(ntohl(name_of(*a).sin_addr.s_addr) == kLo);
  Socket* b = mksock(h.st);
  REQUIRE(sobind(*b, sin(kUs, 20043), Td{}) == 0);
  REQUIRE(soconnect(*b, sin(0, 20040), Td{}) == 0);
  CHECK(ntohl(peer_of(*b).sin_addr.s_addr) == kUs);
  Socket* c = mksock(h.st);
  SockAddr any = sin(0, 20040);
  REQUIRE(send_to(*c, bytes_of("to any"), &any) == 0);
  h.run();
  Rcvd r = recv_from(*srv);
  CHECK(r.data == bytes_of("to any"));
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohl(from.sin_addr.s_addr) == kLo);
  CHECK(h.out.empty());
  for (Socket* s : {srv, a, b, c}) soclose(*s);
}

TEST_CASE("udp linux: sendto takes AF_UNSPEC for AF_INET - a short name is EINVAL, AF_INET6 EAFNOSUPPORT") {
  Host h;
  Socket* srv = mksock(h.st);
  REQUIRE(sobind(*srv, sin(kLo, 20251), Td{}) == 0);
  Socket* so = mksock(h.st);
  SockAddr un = sin(kLo, 20251);
  un.ss.ss_family = AF_UNSPEC;
  REQUIRE(send_to(*so, bytes_of("unspec"), &un) == 0);
  h.run();
  CHECK(recv_from(*srv).data == bytes_of("unspec"));
  SockAddr six = sin(kLo, 20251);
  six.ss.ss_family = AF_INET6;
  CHECK(send_to(*so, bytes_of("x"), &six) == EAFNOSUPPORT);
  SockAddr shorty = sin(kLo, 20251);
  shorty.len = sizeof(sockaddr_in) - 1;
  CHECK(send_to(*so, bytes_of("x"), &shorty) == EINVAL);
  for (Socket* s : {srv, so}) soclose(*s);
}

TEST_CASE("udp linux: a connect or sendto that fails still leaves the socket bound (and no route is ENETUNREACH)") {
  Host h;
  REQUIRE(route_set_default(h.st, 0) == 0);
  Socket* a = mksock(h.st);
  CHECK(soconnect(*a, sin(kFar, 53), Td{}) == ENETUNREACH);
  CHECK(local_port(*a) >= 32768);
  CHECK(local_port(*a) <= 60999);
  CHECK(ntohl(name_of(*a).sin_addr.s_addr) == 0);
  SockAddr p;
  CHECK(sogetpeername(*a, &p) == ENOTCONN);
  Socket* b = mksock(h.st);
  SockAddr far = sin(kFar, 53);
  CHECK(send_to(*b, bytes_of("x"), &far) == ENETUNREACH);
  CHECK(local_port(*b) >= 32768);
  Socket* c = mksock(h.st);
  SockAddr zero = sin(kPeer, 0);
  CHECK(send_to(*c, bytes_of("x"), &zero) == EINVAL);
  CHECK(local_port(*c) >= 32768);
  CHECK(h.out.empty());
  CHECK(h.in().ipstat.noroute == 1);
  for (Socket* s : {a, b, c}) soclose(*s);
}

TEST_CASE("udp linux: a connected socket reconnects to an unreachable place and keeps its association") {
  Host h;
  REQUIRE(route_set_default(h.st, 0) == 0);
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kPeer, 7), Td{}) == 0);
  uint16_t port = local_port(*so);
  CHECK(soconnect(*so, sin(kFar, 53), Td{}) == ENETUNREACH);
  CHECK(local_port(*so) == port);
  CHECK(ntohl(peer_of(*so).sin_addr.s_addr) == kPeer);
  soclose(*so);
}

TEST_CASE("udp linux: datagrams after shutdown(SHUT_RD) are still queued and received") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 20241), Td{}) == 0);
  REQUIRE(soconnect(*so, sin(kPeer, 20242), Td{}) == 0);
  REQUIRE(soshutdown(*so, SHUT_RD) == 0);
  Rcvd eof = recv_from(*so);
  CHECK(eof.err == 0);  // end of file while nothing is queued
  CHECK(eof.data.empty());
  h.inject(udp_pkt(kPeer, 20242, kUs, 20241, bytes_of("after shut rd")));
  Rcvd r = recv_from(*so);
  CHECK(r.err == 0);
  CHECK(r.data == bytes_of("after shut rd"));
  CHECK(h.in().udpstat.fullsock == 0);
  soclose(*so);
}

TEST_CASE("udp linux: shutdown of an unconnected socket says ENOTCONN and is applied all the same") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 20245), Td{}) == 0);
  CHECK(soshutdown(*so, SHUT_WR) == ENOTCONN);
  CHECK((so->so_snd.sb_state & SBS_CANTSENDMORE));
  SockAddr peer = sin(kPeer, 9);
  CHECK(send_to(*so, bytes_of("x"), &peer) == EPIPE);
  CHECK(soshutdown(*so, SHUT_RD) == ENOTCONN);
  CHECK((so->so_rcv.sb_state & SBS_CANTRCVMORE));
  soclose(*so);
}

TEST_CASE("udp linux: option levels not UDP's are EOPNOTSUPP to get and ENOPROTOOPT to set - SOL_UDP ENOPROTOOPT") {
  Host h;
  Socket* so = mksock(h.st);
  int v = 0;
  CHECK(getopt_int(*so, IPPROTO_TCP, 1, &v) == EOPNOTSUPP);
  CHECK(setopt_int(*so, IPPROTO_TCP, 1, 1) == ENOPROTOOPT);
  CHECK(getopt_int(*so, SOL_RAW, 1, &v) == EOPNOTSUPP);
  CHECK(setopt_int(*so, SOL_RAW, 1, 1) == ENOPROTOOPT);
  CHECK(getopt_int(*so, IPPROTO_UDP, 9999, &v) == ENOPROTOOPT);
  CHECK(setopt_int(*so, IPPROTO_UDP, 9999, 1) == ENOPROTOOPT);
  CHECK(getopt_int(*so, IPPROTO_IP, 9999, &v) == ENOPROTOOPT);
  soclose(*so);
}

TEST_CASE("udp linux: IP_MTU toward loopback is 65535 (IP_MAX_MTU), toward the link its MTU") {
  Host h;
  Socket* lo = mksock(h.st);
  REQUIRE(soconnect(*lo, sin(kLo, 20170), Td{}) == 0);
  int v = 0;
  REQUIRE(getopt_int(*lo, IPPROTO_IP, IP_MTU, &v) == 0);
  CHECK(v == 65535);
  Socket* link = mksock(h.st);
  REQUIRE(soconnect(*link, sin(kPeer, 7), Td{}) == 0);
  REQUIRE(getopt_int(*link, IPPROTO_IP, IP_MTU, &v) == 0);
  CHECK(v == 1500);
  for (Socket* s : {lo, link}) soclose(*s);
}

TEST_CASE("udp linux: a subnet broadcast goes out and comes back to our own sockets on the port") {
  Host h;
  Socket* w = mksock(h.st);  // wildcard: gets it
  REQUIRE(sobind(*w, sin(0, 20180), Td{}) == 0);
  Socket* u = mksock(h.st);  // bound to our unicast address: does not
  REQUIRE(setopt_int(*u, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(setopt_int(*w, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*u, sin(kUs, 20180), Td{}) == 0);
  Socket* s = mksock(h.st);
  REQUIRE(setopt_int(*s, SOL_SOCKET, SO_BROADCAST, 1) == 0);
  SockAddr b = sin(0x0a4d00ff, 20180);
  REQUIRE(send_to(*s, bytes_of("to all"), &b) == 0);
  REQUIRE(h.out.size() == 1);  // on the wire at once
  CHECK(wire::get32(&h.out[0][16]) == 0x0a4d00ff);
  CHECK(recv_from(*w).err == EWOULDBLOCK);  // the looped copy comes on the next poll
  h.run();
  Rcvd r = recv_from(*w);
  REQUIRE(r.err == 0);
  CHECK(r.data == bytes_of("to all"));
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohl(from.sin_addr.s_addr) == kUs);
  CHECK(ntohs(from.sin_port) == local_port(*s));
  CHECK(recv_from(*u).err == EWOULDBLOCK);
  // Fragmented: the copy is the whole datagram; too big with DF: neither.
  REQUIRE(send_to(*s, Pkt(3000, std::byte('f')), &b) == 0);
  CHECK(h.out.size() == 4);
  h.run();
  CHECK(recv_from(*w).data == Pkt(3000, std::byte('f')));
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == 0);
  CHECK(send_to(*s, Pkt(3000, std::byte('g')), &b) == EMSGSIZE);
  h.run();
  CHECK(recv_from(*w).err == EWOULDBLOCK);
  CHECK(h.out.size() == 4);
  // No port on this host for it: no ICMP error (RFC 1122 §3.2.2: never about a broadcast).
  SockAddr none = sin(0x0a4d00ff, 20999);
  REQUIRE(send_to(*s, bytes_of("nobody"), &none) == 0);
  h.run();
  CHECK(h.out.size() == 5);
  CHECK(h.in().udpstat.noportbcast == 1);
  for (Socket* x : {w, u, s}) soclose(*x);
}

TEST_CASE("udp linux: IP_FREEBIND and IP_TRANSPARENT bind an address not ours - only TRANSPARENT sends from it") {
  Host h;
  constexpr uint32_t kOther = 0x0a4d0003;  // 10.77.0.3
  Socket* a = mksock(h.st);
  CHECK(sobind(*a, sin(kOther, 20360), Td{}) == EADDRNOTAVAIL);
  REQUIRE(setopt_int(*a, IPPROTO_IP, IP_FREEBIND, 1) == 0);
  REQUIRE(sobind(*a, sin(kOther, 20360), Td{}) == 0);
  CHECK(ntohl(name_of(*a).sin_addr.s_addr) == kOther);
  SockAddr peer = sin(kPeer, 9);
  CHECK(send_to(*a, bytes_of("x"), &peer) == ENETUNREACH);
  CHECK(soconnect(*a, peer, Td{}) == ENETUNREACH);
  Socket* t = mksock(h.st);
  REQUIRE(setopt_int(*t, IPPROTO_IP, IP_TRANSPARENT, 1) == 0);  // Td{} is root
  int v = 0;
  REQUIRE(getopt_int(*t, IPPROTO_IP, IP_TRANSPARENT, &v) == 0);
  CHECK(v == 1);
  REQUIRE(sobind(*t, sin(kOther, 20361), Td{}) == 0);
  REQUIRE(send_to(*t, bytes_of("spoof"), &peer) == 0);
  REQUIRE(h.out.size() == 1);
  CHECK(wire::get32(&h.out[0][12]) == kOther);
  Socket* u = mksock(h.st);
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = IPPROTO_IP;
  s.sopt_name = IP_TRANSPARENT;
  int one = 1;
  s.sopt_val = &one;
  s.sopt_valsize = sizeof one;
  s.sopt_td.cred.uid = 1000;
  CHECK(sosetopt(*u, s) == EPERM);
  for (Socket* x : {a, t, u}) soclose(*x);
}

TEST_CASE("udp linux: a socket bound to the broadcast address sends from the interface's address") {
  Host h;
  Socket* b = mksock(h.st);
  REQUIRE(sobind(*b, sin(0x0a4d00ff, 20361), Td{}) == 0);
  SockAddr peer = sin(kPeer, 9);
  REQUIRE(send_to(*b, bytes_of("x"), &peer) == 0);
  REQUIRE(h.out.size() == 1);
  CHECK(wire::get32(&h.out[0][12]) == kUs);
  CHECK(ntohl(name_of(*b).sin_addr.s_addr) == 0x0a4d00ff);
  soclose(*b);
}

TEST_CASE("udp linux: IP_BIND_ADDRESS_NO_PORT binds the address only - the port comes with the first send") {
  Host h;
  Socket* c = mksock(h.st);
  REQUIRE(setopt_int(*c, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1) == 0);
  REQUIRE(sobind(*c, sin(kUs, 0), Td{}) == 0);
  CHECK(ntohl(name_of(*c).sin_addr.s_addr) == kUs);
  CHECK(local_port(*c) == 0);
  SockAddr peer = sin(kPeer, 9);
  REQUIRE(send_to(*c, bytes_of("x"), &peer) == 0);
  CHECK(ntohl(name_of(*c).sin_addr.s_addr) == kUs);
  uint16_t port = local_port(*c);
  CHECK(port >= 32768);
  REQUIRE(h.out.size() == 1);
  CHECK(wire::get16(&h.out[0][20]) == port);
  CHECK(sobind(*c, sin(kUs, 0), Td{}) == EINVAL);  // now it has a port
  Socket* d = mksock(h.st);  // with a port given, bind is as usual
  REQUIRE(setopt_int(*d, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1) == 0);
  REQUIRE(sobind(*d, sin(kUs, 20363), Td{}) == 0);
  CHECK(local_port(*d) == 20363);
  for (Socket* x : {c, d}) soclose(*x);
}

TEST_CASE("udp linux: IP_RECVORIGDSTADDR gives each datagram's destination address and port") {
  Host h;
  Socket* r = mksock(h.st);
  REQUIRE(sobind(*r, sin(0, 20380), Td{}) == 0);
  REQUIRE(setopt_int(*r, IPPROTO_IP, IP_RECVORIGDSTADDR, 1) == 0);
  for (uint32_t dst : {kUs, 0x0a4d00ffu}) {
    h.inject(udp_pkt(kPeer, 5009, dst, 20380, bytes_of("d")));
    Rcvd got = recv_from(*r);
    REQUIRE(got.cmsgs.size() == 1);
    CHECK(got.cmsgs[0] == std::pair<int, int>{SOL_IP, IP_ORIGDSTADDR});
    REQUIRE(got.cmsg_data[0].size() == sizeof(sockaddr_in));
    sockaddr_in sa;
    std::memcpy(&sa, got.cmsg_data[0].data(), sizeof sa);
    CHECK(sa.sin_family == AF_INET);
    CHECK(ntohs(sa.sin_port) == 20380);
    CHECK(ntohl(sa.sin_addr.s_addr) == dst);
  }
  soclose(*r);
}

TEST_CASE("udp linux: more IP options: defaults, ranges - IP_MINTTL does not filter UDP - IP_OPTIONS empty") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 20370), Td{}) == 0);
  int v = -1;
  for (int name : {IP_FREEBIND, IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT, IP_RECVORIGDSTADDR, IP_MINTTL, IP_NODEFRAG,
                   IP_CHECKSUM, IP_PASSSEC, IP_HDRINCL}) {
    CAPTURE(name);
    v = -1;
    CHECK(getopt_int(*so, IPPROTO_IP, name, &v) == 0);
    CHECK(v == 0);
  }
  CHECK(getopt_int(*so, IPPROTO_IP, IP_MULTICAST_ALL, &v) == 0);
  CHECK(v == 1);
  CHECK(setopt_int(*so, IPPROTO_IP, IP_NODEFRAG, 1) == ENOPROTOOPT);
  CHECK(setopt_int(*so, IPPROTO_IP, IP_HDRINCL, 1) == ENOPROTOOPT);
  CHECK(setopt_int(*so, IPPROTO_IP, IP_MINTTL, 256) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_IP, IP_MINTTL, -1) == EINVAL);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_MINTTL, 50) == 0);
  h.inject(udp_pkt(kPeer, 5008, kUs, 20370, bytes_of("ttl 64")));
  CHECK(recv_from(*so).data == bytes_of("ttl 64"));
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = IPPROTO_IP;
  s.sopt_name = IP_OPTIONS;
  unsigned char opts[40];
  s.sopt_val = opts;
  s.sopt_valsize = sizeof opts;
  REQUIRE(sogetopt(*so, s) == 0);
  CHECK(s.sopt_valsize == 0);
  soclose(*so);
}

TEST_CASE("udp linux: IP_RECVFRAGSIZE gives the largest fragment of a reassembled datagram, nothing for a whole one") {
  Host h;
  Socket* r = mksock(h.st);
  REQUIRE(sobind(*r, sin(kUs, 20395), Td{}) == 0);
  REQUIRE(setopt_int(*r, IPPROTO_IP, IP_RECVFRAGSIZE, 1) == 0);
  Pkt seg = udp_seg(kPeer, 5010, kUs, 20395, Pkt(2000, std::byte('b')));
  Pkt first(seg.begin(), seg.begin() + 1480), rest(seg.begin() + 1480, seg.end());
  h.inject(ip_pkt(kPeer, kUs, 17, first, 64, 0x4242, wire::IP_MF_));
  h.inject(ip_pkt(kPeer, kUs, 17, rest, 64, 0x4242, uint16_t(1480 / 8)));
  Rcvd got = recv_from(*r);
  REQUIRE(got.err == 0);
  CHECK(got.data.size() == 2000);
  REQUIRE(got.cmsgs.size() == 1);
  CHECK(got.cmsgs[0] == std::pair<int, int>{SOL_IP, IP_RECVFRAGSIZE});
  int v = 0;
  REQUIRE(got.cmsg_data[0].size() == sizeof v);
  std::memcpy(&v, got.cmsg_data[0].data(), sizeof v);
  CHECK(v == 1500);
  h.inject(udp_pkt(kPeer, 5010, kUs, 20395, bytes_of("whole")));
  Rcvd w = recv_from(*r);
  CHECK(w.data == bytes_of("whole"));
  CHECK(w.cmsgs.empty());
  soclose(*r);
}

TEST_CASE("udp linux: too big under IP_PMTUDISC_DO (or over 65507) is EMSGSIZE and, with IP_RECVERR, a local error") {
  Host h;
  Socket* s = mksock(h.st);
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_RECVERR, 1) == 0);
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == 0);
  SockAddr peer = sin(kPeer, 7);
  CHECK(send_to(*s, Pkt(1473, std::byte('q')), &peer) == EMSGSIZE);
  CHECK(h.out.empty());
  CHECK(s->so_error == 0);  // only queued
  CHECK(in_errqueue_len(*s) == 1);
  Rcvd e = recv_from(*s, 100, MSG_ERRQUEUE);
  REQUIRE(e.err == 0);
  CHECK(e.data.empty());
  CHECK(e.flags == MSG_ERRQUEUE);
  sockaddr_in to;
  std::memcpy(&to, &e.from.ss, sizeof to);
  CHECK(ntohl(to.sin_addr.s_addr) == kPeer);
  CHECK(to.sin_port == 0);  // the connected port: none
  REQUIRE(e.cmsgs.size() == 1);
  CHECK(e.cmsgs[0] == std::pair<int, int>{SOL_IP, IP_RECVERR});
  sock_extended_err ee;
  std::memcpy(&ee, e.cmsg_data[0].data(), sizeof ee);
  CHECK(ee.ee_errno == EMSGSIZE);
  CHECK(ee.ee_origin == SO_EE_ORIGIN_LOCAL);
  CHECK(ee.ee_info == 1500);
  sockaddr_in off;
  std::memcpy(&off, e.cmsg_data[0].data() + sizeof ee, sizeof off);
  CHECK(off.sin_family == AF_UNSPEC);  // a local error has no offender
  CHECK(send_to(*s, Pkt(1472, std::byte('q')), &peer) == 0);
  // Fragmenting allowed: the limit is 65535 - 28, the info still the MTU.
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT) == 0);
  CHECK(send_to(*s, Pkt(65508, std::byte('q')), &peer) == EMSGSIZE);
  Rcvd e2 = recv_from(*s, 100, MSG_ERRQUEUE);
  REQUIRE(e2.cmsgs.size() == 1);
  std::memcpy(&ee, e2.cmsg_data[0].data(), sizeof ee);
  CHECK(ee.ee_info == 1500);
  // Without IP_RECVERR nothing is queued.
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_RECVERR, 0) == 0);
  CHECK(send_to(*s, Pkt(65508, std::byte('q')), &peer) == EMSGSIZE);
  CHECK(in_errqueue_len(*s) == 0);
  soclose(*s);
}

TEST_CASE("udp linux: UDP_CORK gathers sends into one datagram for the first destination, sent at uncork") {
  Host h;
  Socket* s = mksock(h.st);
  int v = -1;
  REQUIRE(getopt_int(*s, IPPROTO_UDP, UDP_CORK, &v) == 0);
  CHECK(v == 0);
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 1) == 0);
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_TTL, 9) == 0);
  SockAddr peer = sin(kPeer, 9), other = sin(kPeer, 10);
  REQUIRE(send_to(*s, bytes_of("one,"), &peer) == 0);
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_TTL, 20) == 0);  // the first send's options hold
  REQUIRE(send_to(*s, bytes_of("two,"), &other) == 0);   // its address is not looked at
  REQUIRE(send_to(*s, bytes_of("three"), &other) == 0);
  CHECK(h.out.empty());
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 0) == 0);
  REQUIRE(h.out.size() == 1);
  uint16_t id = wire::get16(&h.out[0][4]);
  CHECK(h.out[0] == ip_pkt(kUs, kPeer, 17, udp_seg(kUs, local_port(*s), kPeer, 9, bytes_of("one,two,three")), 9, id,
                           wire::IP_DF_));
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 0) == 0);  // nothing gathered: nothing sent
  CHECK(h.out.size() == 1);
  // Over 65507 in all: EMSGSIZE, and what was gathered is thrown away.
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 1) == 0);
  REQUIRE(send_to(*s, Pkt(40000, std::byte('x')), &peer) == 0);
  CHECK(send_to(*s, Pkt(40000, std::byte('x')), &peer) == EMSGSIZE);
  REQUIRE(send_to(*s, bytes_of("fresh"), &other) == 0);  // starts a new datagram, to other
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 0) == 0);
  REQUIRE(h.out.size() == 2);
  CHECK(wire::get16(&h.out[1][22]) == 10);
  CHECK(wire::get16(&h.out[1][24]) == 8 + 5);
  // Closed while corked: the gathered data goes with the socket.
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 1) == 0);
  REQUIRE(send_to(*s, bytes_of("lost"), &peer) == 0);
  CHECK(getopt_int(*s, IPPROTO_UDP, UDP_SEGMENT, &v) == ENOPROTOOPT);
  int small = 1;
  Sockopt o;
  o.sopt_dir = SOPT_SET;
  o.sopt_level = IPPROTO_UDP;
  o.sopt_name = UDP_CORK;
  o.sopt_val = &small;
  o.sopt_valsize = 1;
  CHECK(sosetopt(*s, o) == EINVAL);
  soclose(*s);
  CHECK(h.out.size() == 2);
}

TEST_CASE("udp linux: send without an address binds first, then EDESTADDRREQ - under UDP_CORK it joins the datagram") {
  Host h;
  Socket* s = mksock(h.st);
  CHECK(send_to(*s, bytes_of("x"), nullptr) == EDESTADDRREQ);
  CHECK(local_port(*s) >= 32768);
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 1) == 0);
  SockAddr peer = sin(kPeer, 9);
  REQUIRE(send_to(*s, bytes_of("a"), &peer) == 0);
  REQUIRE(send_to(*s, bytes_of("b"), nullptr) == 0);
  REQUIRE(setopt_int(*s, IPPROTO_UDP, UDP_CORK, 0) == 0);
  REQUIRE(h.out.size() == 1);
  CHECK(wire::get16(&h.out[0][24]) == 8 + 2);
  soclose(*s);
}

TEST_CASE("udp linux: a datagram larger than SO_SNDBUF still goes - MSG_OOB is ignored on receive, EOPNOTSUPP on send") {
  Host h;
  Socket* s = mksock(h.st);
  REQUIRE(setopt_int(*s, SOL_SOCKET, SO_SNDBUF, 1) == 0);
  SockAddr peer = sin(kPeer, 9);
  REQUIRE(send_to(*s, Pkt(8000, std::byte('s')), &peer) == 0);
  CHECK(h.out.size() == 6);  // fragments of 1480
  Socket* r = mksock(h.st);
  REQUIRE(sobind(*r, sin(kUs, 20330), Td{}) == 0);
  h.inject(udp_pkt(kPeer, 5000, kUs, 20330, bytes_of("oob")));
  Rcvd got = recv_from(*r, 100, MSG_OOB);
  CHECK(got.err == 0);
  CHECK(got.data == bytes_of("oob"));
  mbuf* m = m_devget("x", 1, M_NOWAIT, true);
  CHECK(sosend(*s, &peer, m, nullptr, MSG_OOB, Td{}) == EOPNOTSUPP);
  for (Socket* x : {s, r}) soclose(*x);
}

namespace {
int mreq_opt(Socket& so, int name, uint32_t group, uint32_t ifaddr) {
  ip_mreq m{};
  m.imr_multiaddr.s_addr = htonl(group);
  m.imr_interface.s_addr = htonl(ifaddr);
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = IPPROTO_IP;
  s.sopt_name = name;
  s.sopt_val = &m;
  s.sopt_valsize = sizeof m;
  return sosetopt(so, s);
}
int set_mcast_if(Socket& so, uint32_t a) {
  in_addr v{htonl(a)};
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = IPPROTO_IP;
  s.sopt_name = IP_MULTICAST_IF;
  s.sopt_val = &v;
  s.sopt_valsize = sizeof v;
  return sosetopt(so, s);
}
constexpr uint32_t kGroup = 0xef010203;  // 239.1.2.3
}  // namespace

TEST_CASE("udp linux: multicast options: IP_MULTICAST_IF, joining and leaving groups with Linux's errnos") {
  Host h;
  REQUIRE(route_set_default(h.st, 0) == 0);
  Socket* s = mksock(h.st);
  int v = -1;
  REQUIRE(getopt_int(*s, IPPROTO_IP, IP_MULTICAST_IF, &v) == 0);
  CHECK(v == 0);
  CHECK(set_mcast_if(*s, 0x0a4d0003) == EADDRNOTAVAIL);
  REQUIRE(set_mcast_if(*s, kUs) == 0);
  REQUIRE(getopt_int(*s, IPPROTO_IP, IP_MULTICAST_IF, &v) == 0);
  CHECK(uint32_t(ntohl(uint32_t(v))) == kUs);
  CHECK(mreq_opt(*s, IP_ADD_MEMBERSHIP, kGroup, 0) == ENODEV);  // no route to the group, no interface named
  CHECK(mreq_opt(*s, IP_ADD_MEMBERSHIP, kPeer, kUs) == EINVAL);  // not a group
  REQUIRE(mreq_opt(*s, IP_ADD_MEMBERSHIP, kGroup, kUs) == 0);
  CHECK(mreq_opt(*s, IP_ADD_MEMBERSHIP, kGroup, kUs) == EADDRINUSE);
  CHECK(mreq_opt(*s, IP_DROP_MEMBERSHIP, kGroup, kUs) == 0);
  CHECK(mreq_opt(*s, IP_DROP_MEMBERSHIP, kGroup, kUs) == EADDRNOTAVAIL);
  REQUIRE(set_mcast_if(*s, 0) == 0);
  REQUIRE(getopt_int(*s, IPPROTO_IP, IP_MULTICAST_IF, &v) == 0);
  CHECK(v == 0);
  soclose(*s);
}

TEST_CASE("udp linux: sending to a group goes out IP_MULTICAST_IF's interface with IP_MULTICAST_TTL, looped to members") {
  Host h;
  REQUIRE(route_set_default(h.st, 0) == 0);
  Socket* s = mksock(h.st);
  SockAddr grp = sin(kGroup, 20390);
  CHECK(send_to(*s, bytes_of("no route"), &grp) == ENETUNREACH);
  REQUIRE(set_mcast_if(*s, kUs) == 0);
  Socket* m = mksock(h.st);
  REQUIRE(sobind(*m, sin(0, 20390), Td{}) == 0);
  REQUIRE(mreq_opt(*m, IP_ADD_MEMBERSHIP, kGroup, kUs) == 0);
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_MULTICAST_TTL, 3) == 0);
  REQUIRE(send_to(*s, bytes_of("to the group"), &grp) == 0);
  REQUIRE(h.out.size() == 1);
  CHECK(wire::get32(&h.out[0][16]) == kGroup);
  CHECK(wire::get32(&h.out[0][12]) == kUs);
  CHECK(uint8_t(h.out[0][8]) == 3);  // TTL
  h.run();
  CHECK(recv_from(*m).data == bytes_of("to the group"));
  REQUIRE(setopt_int(*s, IPPROTO_IP, IP_MULTICAST_LOOP, 0) == 0);
  REQUIRE(send_to(*s, bytes_of("not looped"), &grp) == 0);
  h.run();
  CHECK(recv_from(*m).err == EWOULDBLOCK);
  CHECK(h.out.size() == 2);
  for (Socket* x : {s, m}) soclose(*x);
}

TEST_CASE("udp linux: a group's datagrams from the link reach members, and others on the port while IP_MULTICAST_ALL") {
  Host h;
  Socket* m = mksock(h.st);
  Socket* other = mksock(h.st);
  REQUIRE(setopt_int(*m, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(setopt_int(*other, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*m, sin(0, 20390), Td{}) == 0);
  REQUIRE(sobind(*other, sin(0, 20390), Td{}) == 0);
  h.inject(udp_pkt(kPeer, 5000, kGroup, 20390, bytes_of("not joined")));
  CHECK(recv_from(*m).err == EWOULDBLOCK);
  CHECK(h.in().ipstat.notforus == 1);
  REQUIRE(mreq_opt(*m, IP_ADD_MEMBERSHIP, kGroup, kUs) == 0);
  h.inject(udp_pkt(kPeer, 5000, kGroup, 20390, bytes_of("joined")));
  CHECK(recv_from(*m).data == bytes_of("joined"));
  CHECK(recv_from(*other).data == bytes_of("joined"));  // IP_MULTICAST_ALL is on by default
  REQUIRE(setopt_int(*other, IPPROTO_IP, IP_MULTICAST_ALL, 0) == 0);
  h.inject(udp_pkt(kPeer, 5000, kGroup, 20390, bytes_of("members only")));
  CHECK(recv_from(*m).data == bytes_of("members only"));
  CHECK(recv_from(*other).err == EWOULDBLOCK);
  CHECK(h.out.empty());  // no port unreachable about a group, no IGMP
  for (Socket* x : {m, other}) soclose(*x);
}
