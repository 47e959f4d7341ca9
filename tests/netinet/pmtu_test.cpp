// Path MTU (RFC 1191) with Linux's rules: ICMP "fragmentation needed" lowers
// the MTU towards one destination, never below min_pmtu (552, then locked),
// never raises it, expires after mtu_expires (600 s) of the stack's clock;
// UDP under IP_PMTUDISC_DO gets EMSGSIZE above it, WANT fragments to it,
// PROBE keeps the interface's; IP_MTU reads it; TCP's MSS follows it.
#include <time.h>
#include <linux/errqueue.h>

#include "netinet/inet_fixture.hpp"
#include "netinet/tcp_pair.hpp"

using namespace tunsock;
using namespace tunsock::test;
using std::chrono::seconds;

namespace {

constexpr uint32_t kFar2 = 0x08080404;  // 8.8.4.4: another destination behind the gateway

// The gateway's "fragmentation needed" quoting pkt (a datagram we sent).
Pkt needfrag(const Pkt& pkt, uint32_t mtu, uint32_t from = kPeer) {
  Pkt quoted(pkt.begin(), pkt.begin() + long(std::min<size_t>(pkt.size(), 548)));
  return ip_pkt(from, kUs, 1, icmp_msg(3, 4, mtu & 0xffff, quoted));
}

// Inject it; the connected WANT/DO socket hears EMSGSIZE (read here, as
// the next send would return it first).
void learn(Host& h, Socket& so, const Pkt& sent, uint32_t mtu) {
  h.inject(needfrag(sent, mtu));
  CHECK(so.so_error == EMSGSIZE);
  so.so_error = 0;
}

bool df(const Pkt& p) { return (wire::get16(&p[6]) & wire::IP_DF_) != 0; }

// A UDP socket connected to kFar:7 that has sent one 1400-byte datagram; returns it.
Pkt send_big(Host& h, Socket& so, size_t len = 1400) {
  h.out.clear();
  REQUIRE(send_to(so, Pkt(len, std::byte('p')), nullptr) == 0);
  REQUIRE(h.out.size() == 1);
  return h.take();
}

}  // namespace

TEST_CASE("pmtu: the route's interface MTU, loopback's for our addresses, 0 without a route") {
  Host h(1, 1400);
  CHECK(ip_pmtu(h.in(), kFar) == 1400);
  CHECK(ip_pmtu(h.in(), kPeer) == 1400);
  CHECK(ip_pmtu(h.in(), kUs) == 65535);       // via lo (65536), capped at IP_MAX_MTU
  CHECK(ip_pmtu(h.in(), 0x7f000001) == 65535);
  Stack bare;
  inet_attach(bare);
  CHECK(ip_pmtu(inet(bare), kFar) == 0);
}

TEST_CASE("pmtu: fragmentation needed lowers the MTU towards that destination only") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kFar, 7), Td{}) == 0);
  Pkt sent = send_big(h, *so);
  CHECK(df(sent));  // IP_PMTUDISC_WANT: DF on what fits
  int v = 0;
  REQUIRE(getopt_int(*so, IPPROTO_IP, IP_MTU, &v) == 0);
  CHECK(v == 1500);
  h.inject(needfrag(sent, 1280));
  CHECK(ip_pmtu(h.in(), kFar) == 1280);
  CHECK(ip_pmtu(h.in(), kFar2) == 1500);
  CHECK(ip_pmtu(h.in(), kPeer) == 1500);
  REQUIRE(getopt_int(*so, IPPROTO_IP, IP_MTU, &v) == 0);
  CHECK(v == 1280);
  CHECK(so->so_error == EMSGSIZE);  // Linux udp_err: EMSGSIZE, hard for a WANT socket
  so->so_error = 0;
  // WANT now fragments to the path MTU, without DF.
  h.out.clear();
  REQUIRE(send_to(*so, Pkt(1400, std::byte('p')), nullptr) == 0);
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[0].size() <= 1280);
  CHECK(h.out[0].size() == 20 + ((1280 - 20) & ~7));
  CHECK(!df(h.out[0]));
  CHECK(h.out[0].size() + h.out[1].size() == 1428 + 20);
  // What fits still goes whole with DF.
  Pkt fits = send_big(h, *so, 1252);
  CHECK(fits.size() == 1280);
  CHECK(df(fits));
  soclose(*so);
}

TEST_CASE("pmtu: a larger MTU is ignored, a smaller one lowers further, a datagram not ours changes nothing") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kFar, 7), Td{}) == 0);
  Pkt sent = send_big(h, *so);
  h.inject(needfrag(sent, 1280));
  CHECK(ip_pmtu(h.in(), kFar) == 1280);
  h.inject(needfrag(sent, 1400));
  CHECK(ip_pmtu(h.in(), kFar) == 1280);
  h.inject(needfrag(sent, 9000));
  CHECK(ip_pmtu(h.in(), kFar) == 1280);
  h.inject(needfrag(sent, 1000));
  CHECK(ip_pmtu(h.in(), kFar) == 1000);
  // Quoting a datagram from an address that is not ours: ignored.
  Pkt forged = sent;
  wire::put32(&forged[12], 0x0a4d0063);
  wire::put32(&forged[16], kFar2);
  h.inject(needfrag(forged, 600));
  CHECK(ip_pmtu(h.in(), kFar2) == 1500);
  // Other ICMP errors do not touch it.
  Pkt to2 = ip_pkt(kUs, kFar2, 17, udp_seg(kUs, 1000, kFar2, 7, Pkt(1400)));
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 1, 600, to2)));
  CHECK(ip_pmtu(h.in(), kFar2) == 1500);
  soclose(*so);
}

TEST_CASE("pmtu: never below min_pmtu 552: a lower value is 552, locked, and WANT then sends without DF") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kFar, 7), Td{}) == 0);
  Pkt sent = send_big(h, *so);
  learn(h, *so, sent, 300);
  CHECK(ip_pmtu(h.in(), kFar) == 552);
  CHECK(ip_pmtu_locked(h.in(), kFar));
  learn(h, *so, sent, 400);  // locked: no further change
  CHECK(ip_pmtu(h.in(), kFar) == 552);
  // Linux ip_dont_fragment: a locked path gets no DF from a WANT socket.
  Pkt small = send_big(h, *so, 100);
  CHECK(!df(small));
  // An old router's 0 ("unknown") is taken the same way.
  Host h2;
  Socket* s2 = mksock(h2.st);
  REQUIRE(soconnect(*s2, sin(kFar, 7), Td{}) == 0);
  learn(h2, *s2, send_big(h2, *s2), 0);
  CHECK(ip_pmtu(h2.in(), kFar) == 552);
  // Under IP_PMTUDISC_DO the limit is 552 - 28 and DF stays.
  REQUIRE(setopt_int(*s2, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == 0);
  CHECK(send_to(*s2, Pkt(525), nullptr) == EMSGSIZE);
  Pkt ok = send_big(h2, *s2, 524);
  CHECK(ok.size() == 552);
  CHECK(df(ok));
  soclose(*so);
  soclose(*s2);
}

TEST_CASE("pmtu: the learned MTU expires after 600 s of stack time, a repeat refreshes it past half-life") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kFar, 7), Td{}) == 0);
  Pkt sent = send_big(h, *so);
  learn(h, *so, sent, 1280);  // learned at t = 0
  h.advance(seconds(599));
  CHECK(ip_pmtu(h.in(), kFar) == 1280);
  h.advance(seconds(1));
  CHECK(ip_pmtu(h.in(), kFar) == 1500);
  int v = 0;
  REQUIRE(getopt_int(*so, IPPROTO_IP, IP_MTU, &v) == 0);
  CHECK(v == 1500);
  CHECK(df(send_big(h, *so)));  // whole again
  // Learned again at 600 s; the same news at 700 s (less than half gone)
  // does not extend it, at 1000 s (more than half gone) does.
  learn(h, *so, sent, 1280);
  h.advance(seconds(100));
  learn(h, *so, sent, 1280);
  h.advance(seconds(499));  // t = 1199
  CHECK(ip_pmtu(h.in(), kFar) == 1280);
  h.advance(seconds(1));  // t = 1200: the first expiry stands
  CHECK(ip_pmtu(h.in(), kFar) == 1500);
  learn(h, *so, sent, 1280);  // t = 1200, expires 1800
  h.advance(seconds(400));         // t = 1600: 200 s left
  learn(h, *so, sent, 1280);  // refreshed: expires 2200
  h.advance(seconds(500));         // t = 2100
  CHECK(ip_pmtu(h.in(), kFar) == 1280);
  h.advance(seconds(100));
  CHECK(ip_pmtu(h.in(), kFar) == 1500);
  soclose(*so);
}

TEST_CASE("pmtu: UDP under IP_PMTUDISC_DO is EMSGSIZE above the path MTU with the MTU in the error queue") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kFar, 7), Td{}) == 0);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == 0);
  Pkt sent = send_big(h, *so);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_RECVERR, 1) == 0);
  h.inject(needfrag(sent, 1200));
  // The ICMP error itself: EMSGSIZE with the MTU as info (Linux ee_info).
  Rcvd icmp = recv_from(*so, 2000, MSG_ERRQUEUE);
  REQUIRE(icmp.err == 0);
  REQUIRE(icmp.cmsgs.size() == 1);
  sock_extended_err ee;
  std::memcpy(&ee, icmp.cmsg_data[0].data(), sizeof ee);
  CHECK(ee.ee_errno == EMSGSIZE);
  CHECK(ee.ee_origin == SO_EE_ORIGIN_ICMP);
  CHECK(ee.ee_info == 1200);
  so->so_error = 0;
  h.out.clear();
  CHECK(send_to(*so, Pkt(1173), nullptr) == EMSGSIZE);
  CHECK(h.out.empty());
  Rcvd local = recv_from(*so, 100, MSG_ERRQUEUE);
  REQUIRE(local.cmsgs.size() == 1);
  std::memcpy(&ee, local.cmsg_data[0].data(), sizeof ee);
  CHECK(ee.ee_origin == SO_EE_ORIGIN_LOCAL);
  CHECK(ee.ee_info == 1200);
  Pkt ok = send_big(h, *so, 1172);
  CHECK(ok.size() == 1200);
  CHECK(df(ok));
  // IP_PMTUDISC_PROBE sizes to the interface and ignores what ICMP said.
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE) == 0);
  Pkt probe = send_big(h, *so, 1472);
  CHECK(probe.size() == 1500);
  CHECK(df(probe));
  CHECK(send_to(*so, Pkt(1473), nullptr) == EMSGSIZE);
  // Another destination is not limited.
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == 0);
  SockAddr other = sin(kFar2, 7);
  h.out.clear();
  CHECK(send_to(*so, Pkt(1472), &other) == 0);
  soclose(*so);
}

// TCP (tcp_mss_update, tcp_subr.cpp) sends segments that fit the path MTU
// learned for the destination, while announcing its interface's MSS.
TEST_CASE("pmtu: a TCP connection to a destination with a learned path MTU sends segments that fit it") {
  TcpPair p;
  ip_pmtu_update(inet(p.a), kB, 1280);
  REQUIRE(ip_pmtu(inet(p.a), kB) == 1280);
  Conn c = tcp_connect_pair(p, 80);
  const uint32_t ts_a = (tcb(*c.cli)->t_flags & TF_RCVD_TSTMP) ? 12 : 0;
  const uint32_t ts_b = (tcb(*c.srv)->t_flags & TF_RCVD_TSTMP) ? 12 : 0;
  CHECK(tcb(*c.cli)->t_maxseg == 1280 - 40 - ts_a);
  CHECK(tcb(*c.srv)->t_maxseg == 1500 - 40 - ts_b);  // b knows nothing of it: a announced 1460
  // Once the learned value expires, a new connection uses the whole MTU again.
  p.run_for(std::chrono::seconds(600));
  CHECK(ip_pmtu(inet(p.a), kB) == 1500);
  Socket* cli2 = tcp_socket(p.a);
  REQUIRE(soconnect(*cli2, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (cli2->so_state & SS_ISCONNECTED) != 0; }, std::chrono::seconds(10)));
  CHECK(tcb(*cli2)->t_maxseg == 1500 - 40 - ts_a);
}
