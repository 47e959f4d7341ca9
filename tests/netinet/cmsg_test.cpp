// Control messages and errors on inet sockets as Debian's ping, dig and
// socat meet them: sendmsg's cmsgs reach udp, ping and raw (PR_CONTROL),
// receive cmsgs name the right interface, a pending error comes before the
// queued datagrams, and the socket() and option answers Linux gives.
#include <time.h>
#include <linux/errqueue.h>

#include "netinet/in.hpp"
#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

// One control mbuf holding a cmsg of an int (IP_TTL) or a byte (IP_TOS).
mbuf* cmsg_of(int level, int type, const void* data, size_t len) {
  mbuf* m = in_cmsg(level, type, data, len);
  REQUIRE(m);
  return m;
}

int send_ctl(Socket& so, const Pkt& data, const SockAddr* to, mbuf* control) {
  mbuf* m = m_devget(data.data(), int(data.size()), M_NOWAIT, true);
  return sosend(so, to, m, control, 0, Td{});
}

}  // namespace

TEST_CASE("control: sendmsg's IP_TTL and IP_TOS reach a UDP socket's datagram (Linux ip_cmsg_send)") {
  Host h;
  Socket* so = mksock(h.st);
  SockAddr to = sin(kPeer, 53);
  int ttl = 3;
  mbuf* c = cmsg_of(SOL_IP, IP_TTL, &ttl, sizeof ttl);
  uint8_t tos = 0x10;
  c->m_next = cmsg_of(SOL_IP, IP_TOS, &tos, 1);
  REQUIRE(send_ctl(*so, bytes_of("q"), &to, c) == 0);
  auto ip = wire::ipv4_parse(h.take());
  REQUIRE(ip);
  CHECK(ip->ttl == 3);
  CHECK(ip->tos == 0x10);
  // An IP-level cmsg the stack does not know is EINVAL, as Linux answers.
  int v = 1;
  CHECK(send_ctl(*so, bytes_of("q"), &to, cmsg_of(SOL_IP, IP_RECVERR, &v, sizeof v)) == EINVAL);
  CHECK(h.out.empty());
  soclose(*so);
}

TEST_CASE("control: a ping socket honours IP_TTL and IP_PKTINFO's source, a foreign source is EINVAL") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  SockAddr to = sin(kPeer, 0);
  int ttl = 1;
  REQUIRE(send_ctl(*so, icmp_msg(8, 0, 1, Pkt(8)), &to, cmsg_of(SOL_IP, IP_TTL, &ttl, sizeof ttl)) == 0);
  auto ip = wire::ipv4_parse(h.take());
  REQUIRE(ip);
  CHECK(ip->ttl == 1);
  in_pktinfo pi{};
  pi.ipi_spec_dst.s_addr = htonl(0x0a4d0063);  // 10.77.0.99: not ours
  CHECK(send_ctl(*so, icmp_msg(8, 0, 2, Pkt(8)), &to, cmsg_of(SOL_IP, IP_PKTINFO, &pi, sizeof pi)) == EINVAL);
  pi.ipi_spec_dst.s_addr = htonl(kUs);
  REQUIRE(send_ctl(*so, icmp_msg(8, 0, 3, Pkt(8)), &to, cmsg_of(SOL_IP, IP_PKTINFO, &pi, sizeof pi)) == 0);
  ip = wire::ipv4_parse(h.take());
  REQUIRE(ip);
  CHECK(ip->src == kUs);
  CHECK(ip->ttl == 64);
  soclose(*so);
}

TEST_CASE("control: a raw ICMP socket honours IP_TTL and IP_TOS") {
  Host h;
  Socket* so = mksock(h.st, SOCK_RAW, IPPROTO_ICMP);
  SockAddr to = sin(kPeer, 0);
  int ttl = 9;
  mbuf* c = cmsg_of(SOL_IP, IP_TTL, &ttl, sizeof ttl);
  int tos = 0x08;
  c->m_next = cmsg_of(SOL_IP, IP_TOS, &tos, sizeof tos);
  REQUIRE(send_ctl(*so, icmp_msg(8, 0, 1, Pkt(8)), &to, c) == 0);
  auto ip = wire::ipv4_parse(h.take());
  REQUIRE(ip);
  CHECK(ip->ttl == 9);
  CHECK(ip->tos == 0x08);
  soclose(*so);
}

TEST_CASE("control: a ping socket with IP_RECVTTL gets the reply's TTL, SO_TIMESTAMP first") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  REQUIRE(setopt_int(*so, SOL_IP, IP_RECVTTL, 1) == 0);
  REQUIRE(setopt_int(*so, SOL_SOCKET, SO_TIMESTAMP, 1) == 0);
  SockAddr to = sin(kPeer, 0);
  REQUIRE(send_to(*so, icmp_msg(8, 0, 1, Pkt(8)), &to) == 0);
  const uint16_t id = local_port(*so);
  h.out.clear();
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(0, 0, (uint32_t(id) << 16) | 1, Pkt(8)), 61));
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  REQUIRE(r.cmsgs.size() == 2);
  CHECK(r.cmsgs[0] == std::pair<int, int>(SOL_SOCKET, SO_TIMESTAMP));
  CHECK(r.cmsgs[1] == std::pair<int, int>(SOL_IP, IP_TTL));
  int ttl = 0;
  std::memcpy(&ttl, r.cmsg_data[1].data(), sizeof ttl);
  CHECK(ttl == 61);
  soclose(*so);
}

TEST_CASE("control: IP_PKTINFO names the interface a datagram came in on, or the one holding our address") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 5353), Td{}) == 0);
  REQUIRE(setopt_int(*so, SOL_IP, IP_PKTINFO, 1) == 0);
  auto ifindex = [&] {
    Rcvd r = recv_from(*so);
    REQUIRE(r.err == 0);
    REQUIRE(r.cmsgs.size() == 1);
    in_pktinfo pi;
    std::memcpy(&pi, r.cmsg_data[0].data(), sizeof pi);
    return pi.ipi_ifindex;
  };
  h.inject(udp_pkt(kPeer, 4000, kUs, 5353, bytes_of("wire")));
  CHECK(ifindex() == h.tun->if_index);
  // Sent to our own 10.77.0.2 it travels over lo, but Linux names tun0
  // (inet_iif); to 127.0.0.1 it names lo.
  Socket* tx = mksock(h.st);
  SockAddr us = sin(kUs, 5353), lo = sin(0x7f000001, 5353);
  REQUIRE(send_to(*tx, bytes_of("us"), &us) == 0);
  h.run();
  CHECK(ifindex() == h.tun->if_index);
  REQUIRE(send_to(*tx, bytes_of("lo"), &lo) == 0);
  h.run();
  CHECK(ifindex() == if_loopback(h.st)->if_index);
  soclose(*tx);
  soclose(*so);
}

TEST_CASE("control: a raw socket's IP_PKTINFO names the receiving interface") {
  Host h;
  Socket* so = mksock(h.st, SOCK_RAW, IPPROTO_ICMP);
  REQUIRE(setopt_int(*so, SOL_IP, IP_PKTINFO, 1) == 0);
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(0, 0, 0x00070001, Pkt(8))));
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  REQUIRE(r.cmsgs.size() == 1);
  in_pktinfo pi;
  std::memcpy(&pi, r.cmsg_data[0].data(), sizeof pi);
  CHECK(pi.ipi_ifindex == h.tun->if_index);
  soclose(*so);
}

TEST_CASE("errors: a pending error is reported before the datagrams queued ahead of it (Linux sock_error first)") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(soconnect(*so, sin(kPeer, 9999), Td{}) == 0);
  const uint16_t lport = local_port(*so);
  REQUIRE(send_to(*so, bytes_of("lost"), nullptr) == 0);
  Pkt sent = h.take();
  h.inject(udp_pkt(kPeer, 9999, kUs, lport, bytes_of("early")));
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 3, 0, sent)));
  CHECK(so->so_error == ECONNREFUSED);
  // Even a peek consumes it, as sock_error() does.
  CHECK(recv_from(*so, 100, MSG_PEEK).err == ECONNREFUSED);
  CHECK(so->so_error == 0);
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == bytes_of("early"));
  soclose(*so);
}

TEST_CASE("socket: SOCK_RAW needs a protocol (EPROTONOSUPPORT), an inet stream is TCP") {
  Host h;
  Socket* so = nullptr;
  CHECK(socreate(h.st, AF_INET, &so, SOCK_RAW, 0, Td{}) == EPROTONOSUPPORT);
  CHECK(so == nullptr);
  REQUIRE(socreate(h.st, AF_INET, &so, SOCK_STREAM, 0, Td{}) == 0);
  int proto = 0;
  CHECK(getopt_int(*so, SOL_SOCKET, SO_PROTOCOL, &proto) == 0);
  CHECK(proto == IPPROTO_TCP);
  soclose(*so);
  CHECK(socreate(h.st, AF_INET, &so, SOCK_STREAM, IPPROTO_UDP, Td{}) == EPROTONOSUPPORT);
  CHECK(socreate(h.st, AF_INET, &so, SOCK_RAW, IPPROTO_ICMP, Td{}) == 0);
  soclose(*so);
}

TEST_CASE("options: IP_RETOPTS and IP_RECVOPTS are accepted and read back, as ping sets them") {
  Host h;
  Socket* so = mksock(h.st, SOCK_DGRAM, IPPROTO_ICMP);
  for (int name : {IP_RETOPTS, IP_RECVOPTS}) {
    int v = -1;
    REQUIRE(getopt_int(*so, SOL_IP, name, &v) == 0);
    CHECK(v == 0);
    REQUIRE(setopt_int(*so, SOL_IP, name, 1) == 0);
    REQUIRE(getopt_int(*so, SOL_IP, name, &v) == 0);
    CHECK(v == 1);
  }
  soclose(*so);
}

TEST_CASE("socket: ping sockets only for net.ipv4.ping_group_range (EACCES sends ping to a raw socket)") {
  Host h;
  Socket* so = nullptr;
  Td td;
  td.cred.gid = 1000;
  inet_set_ping_group_range(h.st, 1, 0);  // Linux's default: nobody
  CHECK(socreate(h.st, AF_INET, &so, SOCK_DGRAM, IPPROTO_ICMP, td) == EACCES);
  CHECK(so == nullptr);
  inet_set_ping_group_range(h.st, 100, 1000);
  REQUIRE(socreate(h.st, AF_INET, &so, SOCK_DGRAM, IPPROTO_ICMP, td) == 0);
  soclose(*so);
  td.cred.gid = 1001;
  CHECK(socreate(h.st, AF_INET, &so, SOCK_DGRAM, IPPROTO_ICMP, td) == EACCES);
}

TEST_CASE("options: IP_PMTUDISC_OMIT (dig's) and IP_PMTUDISC_DONT send without DF, WANT, DO and PROBE with it") {
  Host h;
  for (int type : {SOCK_DGRAM, SOCK_RAW}) {
    Socket* so = mksock(h.st, type, type == SOCK_RAW ? IPPROTO_ICMP : 0);
    SockAddr to = sin(kPeer, 53);
    for (auto [mode, df] : {std::pair{IP_PMTUDISC_OMIT, false}, {IP_PMTUDISC_DONT, false}, {IP_PMTUDISC_WANT, true},
                            {IP_PMTUDISC_DO, true}, {IP_PMTUDISC_PROBE, true}, {IP_PMTUDISC_INTERFACE, false}}) {
      REQUIRE(setopt_int(*so, SOL_IP, IP_MTU_DISCOVER, mode) == 0);
      REQUIRE(send_to(*so, icmp_msg(8, 0, 1, Pkt(8)), &to) == 0);
      auto ip = wire::ipv4_parse(h.take());
      REQUIRE(ip);
      CHECK_MESSAGE(ip->df == df, "type ", type, " mode ", mode);
    }
    // Too big for the link: OMIT fragments, INTERFACE refuses as DO does.
    REQUIRE(setopt_int(*so, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT) == 0);
    REQUIRE(send_to(*so, icmp_msg(8, 0, 1, Pkt(2000)), &to) == 0);
    CHECK(h.out.size() == 2);
    h.out.clear();
    REQUIRE(setopt_int(*so, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_INTERFACE) == 0);
    CHECK(send_to(*so, icmp_msg(8, 0, 1, Pkt(2000)), &to) == EMSGSIZE);
    CHECK(h.out.empty());
    soclose(*so);
  }
}

TEST_CASE("errors: a raw ICMP socket with IP_RECVERR queues the error about its echo (ping's raw mode prints it)") {
  Host h;
  Socket* so = mksock(h.st, SOCK_RAW, IPPROTO_ICMP);
  Socket* quiet = mksock(h.st, SOCK_RAW, IPPROTO_ICMP);  // no IP_RECVERR
  REQUIRE(setopt_int(*so, SOL_IP, IP_RECVERR, 1) == 0);
  SockAddr to = sin(0x0a580001, 0);  // 10.88.0.1
  Pkt echo = icmp_msg(8, 0, 0x00420001, Pkt(56));
  REQUIRE(send_to(*so, echo, &to) == 0);
  Pkt sent = h.take();
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 0, 0, sent)));  // net unreachable: not fatal
  CHECK(so->so_error == ENETUNREACH);
  CHECK(quiet->so_error == 0);
  // The ICMP message itself is read too, as raw sockets read all ICMP.
  CHECK(recv_from(*so).err == ENETUNREACH);  // the error first
  Rcvd raw = recv_from(*so);
  REQUIRE(raw.err == 0);
  CHECK(raw.data.size() == 20 + 8 + sent.size());
  Rcvd r = recv_from(*so, 200, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  CHECK(r.data == echo);  // the quoted ICMP message, not its IP header
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohl(from.sin_addr.s_addr) == 0x0a580001);
  REQUIRE(r.cmsgs.size() == 1);
  sock_extended_err ee;
  std::memcpy(&ee, r.cmsg_data[0].data(), sizeof ee);
  CHECK(ee.ee_errno == uint32_t(ENETUNREACH));
  CHECK(ee.ee_origin == SO_EE_ORIGIN_ICMP);
  CHECK(ee.ee_type == 3);
  CHECK(ee.ee_code == 0);
  // A fatal one (protocol unreachable) sets so_error without IP_RECVERR too.
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 2, 0, sent)));
  CHECK(quiet->so_error == ENOPROTOOPT);
  soclose(*quiet);
  soclose(*so);
}

TEST_CASE("errors: ICMP unreachable codes map to Linux's errnos and fatality (icmp_err_convert)") {
  struct {
    uint8_t code;
    int err;
    bool fatal;
  } table[] = {{0, ENETUNREACH, false}, {1, EHOSTUNREACH, false}, {2, ENOPROTOOPT, true}, {3, ECONNREFUSED, true},
               {4, EMSGSIZE, false},    {5, EOPNOTSUPP, false},    {6, ENETUNREACH, true}, {7, EHOSTDOWN, true},
               {8, ENONET, true},       {9, EACCES, true},         {10, EACCES, true},     {11, ENETUNREACH, false},
               {12, EHOSTUNREACH, false}, {13, EHOSTUNREACH, true}, {15, EHOSTUNREACH, true}};
  for (auto& t : table) {
    bool hard = !t.fatal;
    CHECK_MESSAGE(icmp_to_errno(3, t.code, &hard) == t.err, "code ", int(t.code));
    CHECK_MESSAGE(hard == t.fatal, "code ", int(t.code));
  }
  bool hard = true;
  CHECK(icmp_to_errno(11, 0, &hard) == EHOSTUNREACH);
  CHECK(!hard);
  CHECK(icmp_to_errno(12, 0, &hard) == EPROTO);
  CHECK(hard);
}
