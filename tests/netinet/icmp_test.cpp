// Scripted-peer ICMP: the test plays 10.77.0.1, injects built packets and
// checks the exact bytes the stack sends back, the rate limit on errors,
// and errors delivered to the sockets they concern.
#include <time.h>
#include <linux/errqueue.h>

#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {
Pkt pattern(size_t n) {
  Pkt d(n);
  for (size_t i = 0; i < n; ++i) d[i] = std::byte(i);
  return d;
}
}  // namespace

TEST_CASE("icmp: echo request is answered with the same id, seq and data") {
  Host h;
  Pkt data = pattern(56);
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(8, 0, 0x00030001, data)));
  REQUIRE(h.out.size() == 1);
  Pkt got = h.take();
  uint16_t id = wire::get16(&got[4]);
  CHECK(got == ip_pkt(kUs, kPeer, 1, icmp_msg(0, 0, 0x00030001, data), 64, id));
  CHECK(wire::tcpdump_line(got) == "IP 10.77.0.2 > 10.77.0.1: ICMP echo reply, id 3, seq 1, length 64");
  CHECK(h.in().icmpstat.inecho == 1);
  CHECK(h.in().icmpstat.outechoreply == 1);
}

TEST_CASE("icmp: bad checksum, truncated message and broadcast echo are not answered") {
  Host h;
  Pkt m = icmp_msg(8, 0, 0x00030001, pattern(8));
  m[9] ^= std::byte(1);
  h.inject(ip_pkt(kPeer, kUs, 1, m));
  CHECK(h.in().icmpstat.checksum == 1);
  h.inject(ip_pkt(kPeer, kUs, 1, bytes_of({8, 0, 0, 0})));
  CHECK(h.in().icmpstat.tooshort == 1);
  h.inject(ip_pkt(kPeer, 0x0a4d00ff, 1, icmp_msg(8, 0, 1, pattern(8))));
  CHECK(h.in().icmpstat.inecho == 1);
  CHECK(h.out.empty());
  CHECK(h.tun->if_data.rx_dropped == 2);
}

TEST_CASE("icmp: UDP to a closed port draws port unreachable quoting the datagram") {
  Host h;
  Pkt udp = udp_pkt(kPeer, 5353, kUs, 9, bytes_of("hello"));
  h.inject(udp);
  REQUIRE(h.out.size() == 1);
  Pkt got = h.take();
  uint16_t id = wire::get16(&got[4]);
  CHECK(got == ip_pkt(kUs, kPeer, 1, icmp_msg(3, 3, 0, udp), 64, id, 0, 0xc0));
  CHECK(h.in().udpstat.noport == 1);
  CHECK(h.in().icmpstat.outunreach == 1);
}

TEST_CASE("icmp: port unreachable is rate limited per destination as Linux (burst 6, then 1/s)") {
  Host h;
  for (int i = 0; i < 10; ++i) h.inject(udp_pkt(kPeer, 5353, kUs, 9, bytes_of("x")));
  CHECK(h.out.size() == 6);
  CHECK(h.in().icmpstat.ratelimited == 4);
  h.advance(std::chrono::milliseconds(999));
  h.inject(udp_pkt(kPeer, 5353, kUs, 9, bytes_of("x")));
  CHECK(h.out.size() == 6);
  h.advance(std::chrono::milliseconds(1001));
  h.inject(udp_pkt(kPeer, 5353, kUs, 9, bytes_of("x")));
  CHECK(h.out.size() == 7);
  // Another destination has its own bucket.
  h.inject(udp_pkt(0x0a4d0005, 5353, kUs, 9, bytes_of("x")));
  CHECK(h.out.size() == 8);
}

TEST_CASE("icmp: no error about a broadcast, a fragment or an ICMP error") {
  Host h;
  h.inject(udp_pkt(kPeer, 5353, 0x0a4d00ff, 9, bytes_of("x")));
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 3, 0, udp_pkt(kUs, 1, kPeer, 2, Pkt(4)))));
  CHECK(h.out.empty());
  CHECK(h.in().udpstat.noportbcast == 1);
}

namespace {
// Send from a socket, then answer as the peer with port unreachable.
Pkt send_and_refuse(Host& h, Socket& so, const SockAddr* to) {
  REQUIRE(send_to(so, bytes_of("query"), to) == 0);
  REQUIRE(h.out.size() == 1);
  Pkt sent = h.take();
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 3, 0, sent)));
  return sent;
}
}  // namespace

TEST_CASE("icmp: a connected UDP socket sees ECONNREFUSED on its next call (pr_ctlinput)") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kPeer, 53), Td{}) == 0);
  send_and_refuse(h, *so, nullptr);
  CHECK(so->so_error == ECONNREFUSED);
  CHECK(recv_from(*so).err == ECONNREFUSED);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  // and on send, for the next one
  send_and_refuse(h, *so, nullptr);
  CHECK(send_to(*so, bytes_of("again"), nullptr) == ECONNREFUSED);
  soclose(*so);
}

TEST_CASE("icmp: an unconnected UDP socket ignores port unreachable without IP_RECVERR") {
  Host h;
  Socket* so = mksock(h.st);
  SockAddr to = sin(kPeer, 53);
  send_and_refuse(h, *so, &to);
  CHECK(so->so_error == 0);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  soclose(*so);
}

TEST_CASE("icmp: IP_RECVERR queues the error for MSG_ERRQUEUE with the offender") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_RECVERR, 1) == 0);
  SockAddr to = sin(kPeer, 53);
  send_and_refuse(h, *so, &to);
  CHECK(so->so_error == ECONNREFUSED);
  Rcvd r = recv_from(*so, 100, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  CHECK(r.data == bytes_of("query"));
  CHECK((r.flags & MSG_ERRQUEUE));
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohs(from.sin_port) == 53);
  CHECK(ntohl(from.sin_addr.s_addr) == kPeer);
  REQUIRE(r.cmsgs.size() == 1);
  CHECK(r.cmsgs[0] == std::pair<int, int>{SOL_IP, IP_RECVERR});
  sock_extended_err ee;
  std::memcpy(&ee, r.cmsg_data[0].data(), sizeof ee);
  CHECK(ee.ee_errno == uint32_t(ECONNREFUSED));
  CHECK(ee.ee_origin == SO_EE_ORIGIN_ICMP);
  CHECK(ee.ee_type == 3);
  CHECK(ee.ee_code == 3);
  sockaddr_in off;
  std::memcpy(&off, r.cmsg_data[0].data() + sizeof ee, sizeof off);
  CHECK(ntohl(off.sin_addr.s_addr) == kPeer);
  CHECK(so->so_error == 0);
  CHECK(recv_from(*so, 100, MSG_ERRQUEUE).err == EAGAIN);
  soclose(*so);
}

TEST_CASE("icmp: a net unreachable is soft: a connected socket without IP_RECVERR ignores it") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kFar, 53), Td{}) == 0);
  REQUIRE(send_to(*so, bytes_of("q"), nullptr) == 0);
  Pkt sent = h.take();
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 0, 0, sent)));
  CHECK(so->so_error == 0);
  soclose(*so);
}
