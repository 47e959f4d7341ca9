// UDP: input checks and counters, delivery with control messages, the
// user requests (bind, connect, disconnect, send, receive flags), Linux's
// SO_REUSEADDR/SO_REUSEPORT rules, ephemeral ports, options.
#include <set>

#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("udp: datagram to a bound socket is received with its source") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  h.inject(udp_pkt(kPeer, 5353, kUs, 9, bytes_of("hello")));
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == bytes_of("hello"));
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohl(from.sin_addr.s_addr) == kPeer);
  CHECK(ntohs(from.sin_port) == 5353);
  CHECK(h.in().udpstat.ipackets == 1);
  soclose(*so);
}

TEST_CASE("udp: zero checksum accepted, bad checksum, truncated header and lying length dropped") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  UdpStat& s = h.in().udpstat;
  h.inject(ip_pkt(kPeer, kUs, 17, udp_seg(kPeer, 1, kUs, 9, bytes_of("nosum"), false)));
  CHECK(recv_from(*so).data == bytes_of("nosum"));
  CHECK(s.nosum == 1);
  Pkt bad = udp_seg(kPeer, 1, kUs, 9, bytes_of("bad"));
  bad[9] ^= std::byte(1);
  h.inject(ip_pkt(kPeer, kUs, 17, bad));
  CHECK(s.badsum == 1);
  h.inject(ip_pkt(kPeer, kUs, 17, bytes_of({0, 1, 0, 9})));
  CHECK(s.hdrops == 1);
  Pkt liar = udp_seg(kPeer, 1, kUs, 9, bytes_of("liar"));
  wire::put16(&liar[4], 40);
  h.inject(ip_pkt(kPeer, kUs, 17, liar));
  CHECK(s.badlen == 1);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  CHECK(h.tun->if_data.rx_dropped == 3);
  CHECK(h.out.empty());
  soclose(*so);
}

TEST_CASE("udp: send builds the exact datagram (ports, length, checksum, TTL, TOS)") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 40000), Td{}) == 0);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_TTL, 9) == 0);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_TOS, 0x10) == 0);
  SockAddr to = sin(kPeer, 53);
  REQUIRE(send_to(*so, Pkt(30, std::byte('q')), &to) == 0);
  Pkt got = h.take();
  uint16_t id = wire::get16(&got[4]);
  CHECK(got == ip_pkt(kUs, kPeer, 17, udp_seg(kUs, 40000, kPeer, 53, Pkt(30, std::byte('q'))), 9, id, wire::IP_DF_, 0x10));
  CHECK(wire::tcpdump_line(got) == "IP 10.77.0.2.40000 > 10.77.0.1.53: UDP, length 30");
  soclose(*so);
}

TEST_CASE("udp: MSG_PEEK, MSG_TRUNC and an empty datagram") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  h.inject(udp_pkt(kPeer, 1, kUs, 9, bytes_of("abcdef")));
  h.inject(udp_pkt(kPeer, 1, kUs, 9, Pkt{}));
  Rcvd p = recv_from(*so, 100, MSG_PEEK);
  CHECK(p.data == bytes_of("abcdef"));
  Rcvd t = recv_from(*so, 3);
  CHECK(t.data == bytes_of("abc"));
  CHECK((t.flags & MSG_TRUNC));
  CHECK(t.full == 6);
  Rcvd e = recv_from(*so);
  CHECK(e.err == 0);
  CHECK(e.data.empty());
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  soclose(*so);
}

TEST_CASE("udp: IP_PKTINFO, IP_RECVTTL, IP_RECVTOS and SO_TIMESTAMP control messages") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_PKTINFO, 1) == 0);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_RECVTTL, 1) == 0);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_RECVTOS, 1) == 0);
  REQUIRE(setopt_int(*so, SOL_SOCKET, SO_TIMESTAMP, 1) == 0);
  h.advance(std::chrono::milliseconds(1500));
  h.inject(ip_pkt(kPeer, kUs, 17, udp_seg(kPeer, 1, kUs, 9, bytes_of("c")), 33, 1, 0, 0x08));
  Rcvd r = recv_from(*so);
  REQUIRE(r.cmsgs.size() == 4);
  CHECK(r.cmsgs[0] == std::pair<int, int>{SOL_SOCKET, SO_TIMESTAMP_OLD});
  timeval tv;
  std::memcpy(&tv, r.cmsg_data[0].data(), sizeof tv);
  CHECK(tv.tv_sec == 1);
  CHECK(tv.tv_usec == 500000);
  CHECK(r.cmsgs[1] == std::pair<int, int>{SOL_IP, IP_PKTINFO});
  in_pktinfo pi;
  std::memcpy(&pi, r.cmsg_data[1].data(), sizeof pi);
  CHECK(pi.ipi_ifindex == h.tun->if_index);
  CHECK(ntohl(pi.ipi_addr.s_addr) == kUs);
  CHECK(ntohl(pi.ipi_spec_dst.s_addr) == kUs);
  CHECK(r.cmsgs[2] == std::pair<int, int>{SOL_IP, IP_TTL});
  int ttl;
  std::memcpy(&ttl, r.cmsg_data[2].data(), sizeof ttl);
  CHECK(ttl == 33);
  CHECK(r.cmsgs[3] == std::pair<int, int>{SOL_IP, IP_TOS});
  CHECK(uint8_t(r.cmsg_data[3][0]) == 0x08);
  soclose(*so);
}

TEST_CASE("udp: bind conflicts, SO_REUSEADDR and SO_REUSEPORT as Linux") {
  Host h;
  Socket* a = mksock(h.st);
  Socket* b = mksock(h.st);
  REQUIRE(sobind(*a, sin(0, 5000), Td{}) == 0);
  CHECK(sobind(*b, sin(kUs, 5000), Td{}) == EADDRINUSE);
  CHECK(sobind(*b, sin(0x0a4d0063, 5001), Td{}) == EADDRNOTAVAIL);
  Td user;
  user.cred.uid = 1000;
  CHECK(sobind(*b, sin(kUs, 80), user) == EACCES);  // unprivileged, below 1024
  CHECK(sobind(*a, sin(0, 5002), Td{}) == EINVAL);  // already bound
  Socket* c = mksock(h.st);
  Socket* d = mksock(h.st);
  REQUIRE(setopt_int(*c, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(setopt_int(*d, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  CHECK(sobind(*c, sin(0, 6000), Td{}) == 0);
  CHECK(sobind(*d, sin(0, 6000), Td{}) == 0);
  Socket* e = mksock(h.st);
  Socket* f = mksock(h.st);
  REQUIRE(setopt_int(*e, SOL_SOCKET, SO_REUSEPORT, 1) == 0);
  REQUIRE(setopt_int(*f, SOL_SOCKET, SO_REUSEPORT, 1) == 0);
  CHECK(sobind(*e, sin(0, 7000), Td{}) == 0);
  CHECK(sobind(*f, sin(0, 7000), Td{}) == 0);
  Socket* g = mksock(h.st);
  CHECK(sobind(*g, sin(0, 7000), Td{}) == EADDRINUSE);
  // A broadcast reaches every socket on the port.
  h.inject(udp_pkt(kPeer, 1, 0x0a4d00ff, 6000, bytes_of("all")));
  CHECK(recv_from(*c).data == bytes_of("all"));
  CHECK(recv_from(*d).data == bytes_of("all"));
  for (Socket* s : {a, b, c, d, e, f, g}) soclose(*s);
}

TEST_CASE("udp: ephemeral ports are random within 32768-60999 and distinct") {
  Host h;
  std::vector<Socket*> v;
  std::set<uint16_t> seen;
  for (int i = 0; i < 50; ++i) {
    Socket* s = mksock(h.st);
    SockAddr to = sin(kPeer, 53);
    REQUIRE(send_to(*s, bytes_of("x"), &to) == 0);  // autobind
    uint16_t p = local_port(*s);
    CHECK(p >= 32768);
    CHECK(p <= 60999);
    seen.insert(p);
    v.push_back(s);
  }
  CHECK(seen.size() == 50);
  for (Socket* s : v) soclose(*s);
}

TEST_CASE("udp: connect fixes the peer and source, AF_UNSPEC dissolves it") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kPeer, 53), Td{}) == 0);
  SockAddr me;
  REQUIRE(sogetsockname(*so, &me) == 0);
  sockaddr_in m;
  std::memcpy(&m, &me.ss, sizeof m);
  CHECK(ntohl(m.sin_addr.s_addr) == kUs);
  uint16_t port = ntohs(m.sin_port);
  // Datagrams from anyone else are not received.
  h.inject(udp_pkt(0x0a4d0005, 53, kUs, port, bytes_of("other")));
  h.inject(udp_pkt(kPeer, 53, kUs, port, bytes_of("peer")));
  CHECK(recv_from(*so).data == bytes_of("peer"));
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  SockAddr peer;
  CHECK(sogetpeername(*so, &peer) == 0);
  SockAddr un;
  un.ss.ss_family = AF_UNSPEC;
  un.len = sizeof(sockaddr_in);
  REQUIRE(soconnect(*so, un, Td{}) == 0);
  CHECK(sogetpeername(*so, &peer) == ENOTCONN);
  CHECK(send_to(*so, bytes_of("x"), nullptr) == EDESTADDRREQ);
  soclose(*so);
}

TEST_CASE("udp: broadcast needs SO_BROADCAST, port 0 and a foreign family are refused") {
  Host h;
  Socket* so = mksock(h.st);
  SockAddr b = sin(0x0a4d00ff, 9);
  CHECK(send_to(*so, bytes_of("x"), &b) == EACCES);
  REQUIRE(setopt_int(*so, SOL_SOCKET, SO_BROADCAST, 1) == 0);
  CHECK(send_to(*so, bytes_of("x"), &b) == 0);
  SockAddr zero = sin(kPeer, 0);
  CHECK(send_to(*so, bytes_of("x"), &zero) == EINVAL);
  SockAddr six = sin(kPeer, 53);
  six.ss.ss_family = AF_INET6;
  CHECK(send_to(*so, bytes_of("x"), &six) == EAFNOSUPPORT);
  soclose(*so);
}

TEST_CASE("udp: socket options: defaults, ranges, unknown is ENOPROTOOPT") {
  Host h;
  Socket* so = mksock(h.st);
  int v = 0;
  CHECK(getopt_int(*so, IPPROTO_IP, IP_TTL, &v) == 0);
  CHECK(v == 64);
  CHECK(setopt_int(*so, IPPROTO_IP, IP_TTL, 0) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_IP, IP_TTL, 256) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_IP, IP_TTL, -1) == 0);
  CHECK(setopt_int(*so, IPPROTO_IP, 200, 1) == ENOPROTOOPT);
  CHECK(getopt_int(*so, IPPROTO_IP, 200, &v) == ENOPROTOOPT);
  CHECK(setopt_int(*so, IPPROTO_UDP, 9999, 1) == ENOPROTOOPT);  // UDP_CORK (1) exists
  CHECK(setopt_int(*so, IPPROTO_IP, IP_HDRINCL, 1) == ENOPROTOOPT);
  CHECK(getopt_int(*so, IPPROTO_IP, IP_MTU, &v) == ENOTCONN);
  REQUIRE(soconnect(*so, sin(kPeer, 53), Td{}) == 0);
  CHECK(getopt_int(*so, IPPROTO_IP, IP_MTU, &v) == 0);
  CHECK(v == 1500);
  soclose(*so);
}

TEST_CASE("udp: loopback 127.0.0.1 inside one stack, and to our own address") {
  Host h;
  Socket* srv = mksock(h.st);
  Socket* cli = mksock(h.st);
  REQUIRE(sobind(*srv, sin(0x7f000001, 7777), Td{}) == 0);
  SockAddr to = sin(0x7f000001, 7777);
  REQUIRE(send_to(*cli, bytes_of("ping"), &to) == 0);
  CHECK(recv_from(*srv).err == EWOULDBLOCK);  // on the next poll, not inside sendto
  h.run();
  Rcvd r = recv_from(*srv);
  CHECK(r.data == bytes_of("ping"));
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohl(from.sin_addr.s_addr) == 0x7f000001);
  CHECK(ntohs(from.sin_port) == local_port(*cli));
  SockAddr back = r.from;
  REQUIRE(send_to(*srv, bytes_of("pong"), &back) == 0);
  h.run();
  CHECK(recv_from(*cli).data == bytes_of("pong"));
  // To our own tun address: through loopback too, nothing on tun0.
  Socket* any = mksock(h.st);
  REQUIRE(sobind(*any, sin(0, 8888), Td{}) == 0);
  SockAddr self = sin(kUs, 8888);
  REQUIRE(send_to(*cli, bytes_of("self"), &self) == 0);
  h.run();
  CHECK(recv_from(*any).data == bytes_of("self"));
  CHECK(h.out.empty());
  // A closed loopback port refuses a connected socket, without rate limit.
  Socket* c2 = mksock(h.st);
  REQUIRE(soconnect(*c2, sin(0x7f000001, 9), Td{}) == 0);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(send_to(*c2, bytes_of("x"), nullptr) == 0);
    h.run();
    CHECK(recv_from(*c2).err == ECONNREFUSED);
  }
  for (Socket* s : {srv, cli, any, c2}) soclose(*s);
}

TEST_CASE("udp: sendmsg control IP_TTL, IP_TOS and IP_PKTINFO (through pru_send)") {
  Host h;
  Socket* so = mksock(h.st);
  int ttl = 5, tos = 0x20;
  mbuf* c1 = in_cmsg(SOL_IP, IP_TTL, &ttl, sizeof ttl);
  mbuf* c2 = in_cmsg(SOL_IP, IP_TOS, &tos, sizeof tos);
  c1->m_next = c2;
  SockAddr to = sin(kPeer, 53);
  Pkt d = bytes_of("c");
  mbuf* m = m_devget(d.data(), 1, M_NOWAIT, true);
  REQUIRE(so->so_proto->pr_usrreqs.pru_send(*so, 0, m, &to, c1, Td{}) == 0);
  auto ip = wire::ipv4_parse(h.take());
  REQUIRE(ip);
  CHECK(ip->ttl == 5);
  CHECK(ip->tos == 0x20);
  in_pktinfo pi{};
  pi.ipi_spec_dst.s_addr = htonl(0x0a4d0063);  // not ours
  mbuf* c3 = in_cmsg(SOL_IP, IP_PKTINFO, &pi, sizeof pi);
  m = m_devget(d.data(), 1, M_NOWAIT, true);
  CHECK(so->so_proto->pr_usrreqs.pru_send(*so, 0, m, &to, c3, Td{}) == EINVAL);
  int bad = 0;
  mbuf* c4 = in_cmsg(SOL_IP, IP_TTL, &bad, sizeof bad);
  m = m_devget(d.data(), 1, M_NOWAIT, true);
  CHECK(so->so_proto->pr_usrreqs.pru_send(*so, 0, m, &to, c4, Td{}) == EINVAL);
  CHECK(h.out.empty());
  soclose(*so);
}

TEST_CASE("udp: an SO_REUSEPORT group spreads flows, each flow sticking to one socket") {
  Host h;
  std::vector<Socket*> g;
  for (int i = 0; i < 4; ++i) {
    Socket* s = mksock(h.st);
    REQUIRE(setopt_int(*s, SOL_SOCKET, SO_REUSEPORT, 1) == 0);
    REQUIRE(sobind(*s, sin(0, 5300), Td{}) == 0);
    g.push_back(s);
  }
  std::set<int> used;
  for (uint16_t sport = 1000; sport < 1064; ++sport) {
    h.inject(udp_pkt(kPeer, sport, kUs, 5300, bytes_of("a")));
    h.inject(udp_pkt(kPeer, sport, kUs, 5300, bytes_of("b")));
    int got = 0;
    for (int i = 0; i < 4; ++i) {
      Rcvd r1 = recv_from(*g[size_t(i)]);
      if (r1.err) continue;
      CHECK(recv_from(*g[size_t(i)]).data == bytes_of("b"));
      used.insert(i);
      ++got;
    }
    CHECK(got == 1);
  }
  CHECK(used.size() == 4);
  for (Socket* s : g) soclose(*s);
}
