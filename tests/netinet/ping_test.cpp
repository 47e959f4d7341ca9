// ICMP sockets: Linux ping sockets (SOCK_DGRAM/IPPROTO_ICMP) and raw ICMP
// sockets (SOCK_RAW/IPPROTO_ICMP), as Debian's ping uses them.
#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("ping: a ping socket's echo id is its local port, the stack sets id and checksum") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  SockAddr to = sin(kPeer, 0);
  Pkt req = icmp_msg(8, 0, 0x0000'0001, Pkt(56, std::byte(7)));
  REQUIRE(send_to(*so, req, &to) == 0);
  uint16_t id = local_port(*so);
  CHECK(id != 0);
  Pkt got = h.take();
  auto ip = wire::ipv4_parse(got);
  REQUIRE(ip);
  CHECK(ip->df);
  Pkt icmp(got.begin() + 20, got.end());
  CHECK(icmp == icmp_msg(8, 0, (uint32_t(id) << 16) | 1, Pkt(56, std::byte(7))));
  // The reply with our id is received whole (ICMP header and data); another id is not.
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(0, 0, (uint32_t(id + 1) << 16) | 1, Pkt(56))));
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(0, 0, (uint32_t(id) << 16) | 1, Pkt(56, std::byte(7)))));
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == icmp_msg(0, 0, (uint32_t(id) << 16) | 1, Pkt(56, std::byte(7))));
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohl(from.sin_addr.s_addr) == kPeer);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  soclose(*so);
}

TEST_CASE("ping: only echo requests may be sent, bind picks the id") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  SockAddr to = sin(kPeer, 0);
  CHECK(send_to(*so, icmp_msg(13, 0, 0, Pkt(12)), &to) == EINVAL);
  CHECK(send_to(*so, bytes_of({8, 0, 0}), &to) == EINVAL);
  soclose(*so);
  so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);  // a fresh one: those sends took an id (see below)
  REQUIRE(sobind(*so, sin(0, 4242), Td{}) == 0);
  REQUIRE(send_to(*so, icmp_msg(8, 0, 9, Pkt(8)), &to) == 0);
  CHECK(wire::get16(&h.take()[24]) == 4242);
  soclose(*so);
}

TEST_CASE("ping: over loopback, the stack answers its own ping") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  SockAddr to = sin(0x7f000001, 0);
  REQUIRE(send_to(*so, icmp_msg(8, 0, 5, Pkt(16)), &to) == 0);
  h.run();
  h.run();
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(uint8_t(r.data[0]) == 0);
  CHECK(wire::get16(&r.data[6]) == 5);
  soclose(*so);
}

TEST_CASE("ping: a host unreachable for our echo reaches the ping socket's error queue") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_RECVERR, 1) == 0);
  SockAddr to = sin(0x0a4d0009, 0);
  REQUIRE(send_to(*so, icmp_msg(8, 0, 1, Pkt(8)), &to) == 0);
  Pkt sent = h.take();
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 1, 0, sent)));
  CHECK(so->so_error == EHOSTUNREACH);
  Rcvd r = recv_from(*so, 100, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  CHECK(r.data == Pkt(sent.begin() + 20, sent.end()));
  soclose(*so);
}

TEST_CASE("raw: a raw ICMP socket receives ICMP with the IP header, less ICMP_FILTER'd types") {
  Host h;
  Socket* so = mksock(h.st, SOCK_RAW, IPPROTO_ICMP);
  Pkt reply = ip_pkt(kPeer, kUs, 1, icmp_msg(0, 0, 0x00070001, Pkt(8)));
  h.inject(reply);
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == reply);
  uint32_t filter = 1u << 0;  // no echo replies
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = SOL_RAW;
  s.sopt_name = 1;  // ICMP_FILTER
  s.sopt_val = &filter;
  s.sopt_valsize = sizeof filter;
  REQUIRE(sosetopt(*so, s) == 0);
  h.inject(reply);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  // The echo request to us is seen too (and answered by the stack).
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(8, 0, 1, Pkt(8))));
  CHECK(recv_from(*so).err == 0);
  CHECK(h.out.size() == 1);
  soclose(*so);
}

TEST_CASE("raw: the application writes the ICMP message, IP_HDRINCL the whole datagram") {
  Host h;
  Socket* so = mksock(h.st, SOCK_RAW, IPPROTO_ICMP);
  SockAddr to = sin(kPeer, 0);
  Pkt m = icmp_msg(8, 0, 0x00090001, Pkt(8));
  REQUIRE(send_to(*so, m, &to) == 0);
  Pkt got = h.take();
  CHECK(Pkt(got.begin() + 20, got.end()) == m);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_HDRINCL, 1) == 0);
  Pkt full = ip_pkt(kUs, kPeer, 1, m, 17, 0x4444);
  REQUIRE(send_to(*so, full, &to) == 0);
  CHECK(h.take() == full);
  soclose(*so);
}

// Linux inet_send_prepare / inet_dgram_connect: an unbound ping socket
// takes its identifier before the call is checked, so a failed send or
// connect leaves it bound, and bind then says EINVAL.
TEST_CASE("ping: a failed send or connect still takes the identifier; bind after that is EINVAL") {
  Host h;
  Socket* a = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  CHECK(local_port(*a) == 0);
  CHECK(send_to(*a, bytes_of({8, 0, 0}), nullptr) == EDESTADDRREQ);
  const uint16_t id = local_port(*a);
  CHECK(id != 0);
  CHECK(sobind(*a, sin(0, 4000), Td{}) == EINVAL);
  CHECK(h.out.empty());
  Socket* b = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  SockAddr in6ish = sin(kPeer, 0);
  in6ish.len = 8;  // too short: EINVAL, after the identifier
  CHECK(soconnect(*b, in6ish, Td{}) == EINVAL);
  CHECK(local_port(*b) == id + 1);  // the rover moves on
  // The address is checked before "already bound" (Linux ping_check_bind_addr).
  CHECK(sobind(*b, sin(kFar, 0), Td{}) == EADDRNOTAVAIL);
  CHECK(sobind(*b, sin(kUs, 0), Td{}) == EINVAL);
  soclose(*a);
  soclose(*b);
}

TEST_CASE("ping: connected to port 0 there is no peer name (ENOTCONN), to a port there is; disconnect gives back the identifier") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  SockAddr peer;
  REQUIRE(soconnect(*so, sin(kPeer, 0), Td{}) == 0);
  CHECK(sogetpeername(*so, &peer) == ENOTCONN);
  SockAddr me;
  REQUIRE(sogetsockname(*so, &me) == 0);
  sockaddr_in s;
  std::memcpy(&s, &me.ss, sizeof s);
  CHECK(ntohl(s.sin_addr.s_addr) == kUs);  // the source chosen by connect
  CHECK(s.sin_port != 0);
  // Sending without an address works all the same.
  REQUIRE(send_to(*so, icmp_msg(8, 0, 1, Pkt(8)), nullptr) == 0);
  const uint16_t id = wire::get16(&h.take()[24]);
  // A reply from another host with our identifier is ours (Linux
  // ping_lookup does not look at the peer).
  h.inject(ip_pkt(kFar, kUs, 1, icmp_msg(0, 0, (uint32_t(id) << 16) | 1, Pkt(8))));
  CHECK(recv_from(*so).err == 0);
  REQUIRE(soconnect(*so, sin(kPeer, 9), Td{}) == 0);
  REQUIRE(sogetpeername(*so, &peer) == 0);
  std::memcpy(&s, &peer.ss, sizeof s);
  CHECK(ntohl(s.sin_addr.s_addr) == kPeer);
  CHECK(ntohs(s.sin_port) == 9);
  // AF_UNSPEC: the identifier a connect took goes back, bind works again.
  SockAddr unspec = sin(0, 0);
  unspec.ss.ss_family = AF_UNSPEC;
  REQUIRE(soconnect(*so, unspec, Td{}) == 0);
  CHECK(local_port(*so) == 0);
  CHECK(sogetpeername(*so, &peer) == ENOTCONN);
  CHECK(sobind(*so, sin(0, 4001), Td{}) == 0);
  CHECK(local_port(*so) == 4001);
  soclose(*so);
}

// Linux: the ping and raw protosws have INET_PROTOSW_REUSE (SO_REUSEADDR
// reads 1), and ping_get_port refuses an identifier in use unless both
// sockets have SO_REUSEADDR, whatever their addresses.
TEST_CASE("ping: SO_REUSEADDR starts on, identifiers are shared only between sockets that keep it") {
  Host h;
  Socket* a = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  Socket* b = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  Socket* c = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  Socket* raw = mksock(h.st, SOCK_RAW, IPPROTO_ICMP);
  int v = 0;
  REQUIRE(getopt_int(*a, SOL_SOCKET, SO_REUSEADDR, &v) == 0);
  CHECK(v == 1);
  REQUIRE(getopt_int(*raw, SOL_SOCKET, SO_REUSEADDR, &v) == 0);
  CHECK(v == 1);
  REQUIRE(sobind(*a, sin(0, 777), Td{}) == 0);
  CHECK(sobind(*b, sin(kUs, 777), Td{}) == 0);
  REQUIRE(setopt_int(*c, SOL_SOCKET, SO_REUSEADDR, 0) == 0);
  CHECK(sobind(*c, sin(0x7f000001, 777), Td{}) == EADDRINUSE);  // another address changes nothing
  CHECK(sobind(*c, sin(0, 778), Td{}) == 0);
  // Broadcast and multicast addresses are refused (Linux ping_check_bind_addr).
  Socket* d = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  CHECK(sobind(*d, sin(0x0a4d00ff, 0), Td{}) == EADDRNOTAVAIL);
  CHECK(sobind(*d, sin(0xe0000001, 0), Td{}) == EADDRNOTAVAIL);
  // A raw socket's name carries its protocol as the port (Linux inet_num).
  CHECK(local_port(*raw) == IPPROTO_ICMP);
  for (Socket* so : {a, b, c, d, raw}) soclose(*so);
}
