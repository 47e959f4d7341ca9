// UDP-Lite (RFC 3828) in udp_usrreq: the socket, the coverage on output
// (length field, checksum over the covered part, never a zero checksum),
// each input drop rule with its counter, delivery of a datagram whose
// uncovered bytes were corrupted, UDPLITE_SEND_CSCOV/RECV_CSCOV as Linux
// answers them, and a port space apart from UDP's.
#include <netinet/udp.h>

#include "netinet/inet_fixture.hpp"
#include "netinet/udplite.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

constexpr uint8_t kLite = IPPROTO_UDPLITE;

// A UDP-Lite header and data with `field` in the length field and a
// checksum over the first `cov` bytes (0: all), pseudo-header with the
// whole length (RFC 3828 §3.1, §3.2); sum false leaves the checksum 0.
Pkt lite_seg(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const Pkt& data, uint16_t field,
             size_t cov = 0, bool sum = true) {
  Pkt u(8 + data.size());
  wire::put16(&u[0], sport);
  wire::put16(&u[2], dport);
  wire::put16(&u[4], field);
  std::copy(data.begin(), data.end(), u.begin() + 8);
  if (sum) {
    const size_t n = cov ? cov : u.size();
    uint32_t ps = wire::pseudo_sum(src, dst, kLite, uint16_t(u.size()));
    uint16_t c = wire::cksum_finish(wire::cksum_add(ps, wire::Bytes(u.data(), n)));
    wire::put16(&u[6], c == 0 ? 0xffff : c);
  }
  return u;
}

Pkt lite_pkt(const Pkt& seg) { return ip_pkt(kPeer, kUs, kLite, seg); }

Socket* lite_sock(Stack& st) { return mksock(st, SOCK_DGRAM, IPPROTO_UDPLITE); }

Pkt pattern(size_t n) {
  Pkt p(n);
  for (size_t i = 0; i < n; ++i) p[i] = std::byte('a' + i % 26);
  return p;
}

// Whether the checksum of a datagram we sent is right over its first cov bytes.
bool sum_ok(const Pkt& ip, size_t cov) {
  const size_t ulen = ip.size() - 20;
  uint32_t ps = wire::pseudo_sum(wire::get32(&ip[12]), wire::get32(&ip[16]), kLite, uint16_t(ulen));
  return wire::cksum_finish(wire::cksum_add(ps, wire::Bytes(ip.data() + 20, cov))) == 0;
}

int setopt_raw(Socket& so, int level, int name, const void* v, size_t len) {
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = const_cast<void*>(v);
  s.sopt_valsize = len;
  return sosetopt(so, s);
}

}  // namespace

TEST_CASE("udplite: SOCK_DGRAM with IPPROTO_UDPLITE is a socket, SOCK_STREAM with it EPROTONOSUPPORT") {
  Host h;
  Socket* so = lite_sock(h.st);
  int v = 0;
  REQUIRE(getopt_int(*so, SOL_SOCKET, SO_PROTOCOL, &v) == 0);
  CHECK(v == IPPROTO_UDPLITE);
  REQUIRE(getopt_int(*so, SOL_SOCKET, SO_TYPE, &v) == 0);
  CHECK(v == SOCK_DGRAM);
  Socket* st = nullptr;
  CHECK(socreate(h.st, AF_INET, &st, SOCK_STREAM, IPPROTO_UDPLITE, Td{}) == EPROTONOSUPPORT);
  // SOCK_DGRAM with protocol 0 is still UDP.
  Socket* u = mksock(h.st);
  REQUIRE(getopt_int(*u, SOL_SOCKET, SO_PROTOCOL, &v) == 0);
  CHECK(v == IPPROTO_UDP);
  soclose(*so);
  soclose(*u);
}

TEST_CASE("udplite: output without the option: length field the whole length, checksum over all, proto 136") {
  Host h;
  Socket* so = lite_sock(h.st);
  REQUIRE(sobind(*so, sin(0, 40000), Td{}) == 0);
  SockAddr to = sin(kPeer, 7000);
  REQUIRE(send_to(*so, pattern(30), &to) == 0);
  Pkt got = h.take();
  uint16_t id = wire::get16(&got[4]);
  CHECK(got == ip_pkt(kUs, kPeer, kLite, lite_seg(kUs, 40000, kPeer, 7000, pattern(30), 38), 64, id, wire::IP_DF_));
  CHECK(h.in().udplitestat.opackets == 1);
  CHECK(h.in().udpstat.opackets == 0);
  // tcpdump (4.99) knows no UDP-Lite: "ip-proto-136" and the IP payload's length.
  CHECK(wire::tcpdump_line(got) == "IP 10.77.0.2 > 10.77.0.1:  ip-proto-136 38");
  soclose(*so);
}

TEST_CASE("udplite: UDPLITE_SEND_CSCOV puts the coverage in the length field and sums only that much") {
  Host h;
  Socket* so = lite_sock(h.st);
  REQUIRE(sobind(*so, sin(0, 40000), Td{}) == 0);
  SockAddr to = sin(kPeer, 7000);
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 20) == 0);
  REQUIRE(send_to(*so, pattern(30), &to) == 0);
  Pkt got = h.take();
  CHECK(wire::get16(&got[24]) == 20);
  CHECK(sum_ok(got, 20));
  CHECK(!sum_ok(got, 38));
  CHECK(got == ip_pkt(kUs, kPeer, kLite, lite_seg(kUs, 40000, kPeer, 7000, pattern(30), 20, 20), 64,
                      wire::get16(&got[4]), wire::IP_DF_));
  // A coverage at least the datagram's length is the whole, sent as the length.
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 38) == 0);
  REQUIRE(send_to(*so, pattern(30), &to) == 0);
  got = h.take();
  CHECK(wire::get16(&got[24]) == 38);
  CHECK(sum_ok(got, 38));
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 1000) == 0);
  REQUIRE(send_to(*so, pattern(30), &to) == 0);
  got = h.take();
  CHECK(wire::get16(&got[24]) == 38);
  // 0 set explicitly: the field says 0 ("all of it"), the checksum covers all.
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 0) == 0);
  REQUIRE(send_to(*so, pattern(30), &to) == 0);
  got = h.take();
  CHECK(wire::get16(&got[24]) == 0);
  CHECK(sum_ok(got, 38));
  // 1..7 are taken as 8: the header alone is covered; an empty datagram too.
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 3) == 0);
  REQUIRE(send_to(*so, pattern(30), &to) == 0);
  got = h.take();
  CHECK(wire::get16(&got[24]) == 8);
  CHECK(sum_ok(got, 8));
  REQUIRE(send_to(*so, Pkt{}, &to) == 0);
  got = h.take();
  CHECK(wire::get16(&got[24]) == 8);  // coverage 8 of 8: the whole, sent as the length
  CHECK(sum_ok(got, 8));
  soclose(*so);
}

TEST_CASE("udplite: a checksum that comes out 0 is sent as 0xffff") {
  Host h;
  Socket* so = lite_sock(h.st);
  REQUIRE(sobind(*so, sin(0, 40000), Td{}) == 0);
  // Two last bytes chosen so that the whole sums to 0xffff (checksum 0).
  Pkt d = pattern(10);
  d[8] = d[9] = std::byte(0);
  Pkt seg = lite_seg(kUs, 40000, kPeer, 7000, d, 18, 0, false);
  uint32_t s = wire::cksum_add(wire::pseudo_sum(kUs, kPeer, kLite, 18), seg);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  const uint16_t fill = uint16_t(0xffff - s);
  d[8] = std::byte(fill >> 8);
  d[9] = std::byte(fill & 0xff);
  SockAddr to = sin(kPeer, 7000);
  REQUIRE(send_to(*so, d, &to) == 0);
  Pkt got = h.take();
  CHECK(wire::get16(&got[26]) == 0xffff);
  CHECK(sum_ok(got, 18));
  soclose(*so);
}

TEST_CASE("udplite: partial coverage delivers a datagram whose uncovered bytes were corrupted") {
  Host h;
  Socket* so = lite_sock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  Pkt seg = lite_seg(kPeer, 1, kUs, 9, bytes_of("header-part|payload"), 20, 20);
  seg[22] ^= std::byte(0x55);  // beyond the 20 covered bytes
  seg[26] = std::byte('X');
  h.inject(lite_pkt(seg));
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == Pkt(seg.begin() + 8, seg.end()));
  CHECK(r.data != bytes_of("header-part|payload"));
  // A corrupted byte inside the coverage is a bad checksum.
  Pkt bad = lite_seg(kPeer, 1, kUs, 9, bytes_of("header-part|payload"), 20, 20);
  bad[10] ^= std::byte(1);
  h.inject(lite_pkt(bad));
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  CHECK(h.in().udplitestat.badsum == 1);
  CHECK(h.in().udplitestat.ipackets == 2);
  CHECK(h.in().udpstat.ipackets == 0);
  soclose(*so);
}

TEST_CASE("udplite: input drops bad coverage, zero and bad checksums, each with its counter") {
  Host h;
  Socket* so = lite_sock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  UdpStat& s = h.in().udplitestat;
  const Pkt d = bytes_of("0123456789");
  // Coverage below the header (RFC 3828 §3.1), 1..7.
  for (uint16_t cov : {1, 4, 7}) h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, cov, cov)));
  CHECK(s.badcov == 3);
  // Coverage beyond the datagram.
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 19, 18)));
  CHECK(s.badcov == 4);
  // A zero checksum: mandatory in UDP-Lite, so dropped (UDP would take it).
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 0, 0, false)));
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 12, 0, false)));
  CHECK(s.nosum == 2);
  // A bad checksum over full coverage (field 0 and field = length).
  for (uint16_t f : {0, 18}) {
    Pkt b = lite_seg(kPeer, 1, kUs, 9, d, f);
    b[17] ^= std::byte(0x80);
    h.inject(lite_pkt(b));
  }
  CHECK(s.badsum == 2);
  // A truncated header.
  h.inject(ip_pkt(kPeer, kUs, kLite, bytes_of({0, 1, 0, 9, 0, 0})));
  CHECK(s.hdrops == 1);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  CHECK(h.tun->if_data.rx_dropped == 9);
  CHECK(s.ipackets == 9);
  CHECK(h.out.empty());
  // Coverage exactly 8 and exactly the length are fine.
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 8, 8)));
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 18, 18)));
  CHECK(recv_from(*so).data == d);
  CHECK(recv_from(*so).data == d);
  // The counters in `netstat -s`.
  const std::string text = inet_stats_text(h.st);
  CHECK(text.find("udplite:\n\t11 datagrams received\n\t1 with incomplete header\n\t4 with bad checksum "
                  "coverage\n\t2 with no checksum (dropped)\n\t2 with bad checksum\n") != std::string::npos);
  soclose(*so);
}

TEST_CASE("udplite: UDPLITE_RECV_CSCOV refuses partial coverage below it, 0 refuses every partial one") {
  Host h;
  Socket* so = lite_sock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  UdpStat& s = h.in().udplitestat;
  const Pkt d = pattern(40);  // 48 bytes with the header
  // Not set: any legal coverage is taken.
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 8, 8)));
  CHECK(recv_from(*so).data == d);
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 20) == 0);
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 16, 16)));
  CHECK(s.shortcov == 1);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  for (uint16_t f : {20, 30, 0, 48}) h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, f, f)));
  for (int i = 0; i < 4; ++i) CHECK(recv_from(*so).data == d);
  // More than the datagram holds: only full coverage gets through.
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 100) == 0);
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 47, 47)));
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 48, 48)));
  CHECK(recv_from(*so).data == d);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  CHECK(s.shortcov == 2);
  // 0 set explicitly: full coverage required.
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 0) == 0);
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 40, 40)));
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9, d, 0)));
  CHECK(recv_from(*so).data == d);
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  CHECK(s.shortcov == 3);
  CHECK(inet_stats_text(h.st).find("\t3 with less coverage than the socket's minimum\n") != std::string::npos);
  soclose(*so);
}

TEST_CASE("udplite: coverage options set and read as Linux, ENOPROTOOPT to set them on UDP") {
  Host h;
  Socket* so = lite_sock(h.st);
  int v = -1;
  REQUIRE(getopt_int(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, &v) == 0);
  CHECK(v == 0);
  REQUIRE(getopt_int(*so, SOL_UDPLITE, UDPLITE_RECV_CSCOV, &v) == 0);
  CHECK(v == 0);
  // Linux udp_lib_setsockopt: 1..7 and negatives become 8, above 65535 65535.
  const std::pair<int, int> cases[] = {{5, 8}, {-1, 8}, {-70000, 8}, {7, 8}, {8, 8}, {9, 9},
                                       {65535, 65535}, {65536, 65535}, {70000, 65535}, {0, 0}};
  for (auto [set, want] : cases)
    for (int name : {UDPLITE_SEND_CSCOV, UDPLITE_RECV_CSCOV}) {
      CAPTURE(set);
      CAPTURE(name);
      REQUIRE(setopt_int(*so, SOL_UDPLITE, name, set) == 0);
      REQUIRE(getopt_int(*so, SOL_UDPLITE, name, &v) == 0);
      CHECK(v == want);
    }
  // SOL_UDP is the same level to a UDP-Lite socket.
  REQUIRE(setopt_int(*so, SOL_UDP, UDPLITE_SEND_CSCOV, 20) == 0);
  REQUIRE(getopt_int(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, &v) == 0);
  CHECK(v == 20);
  REQUIRE(setopt_int(*so, SOL_UDPLITE, UDP_CORK, 1) == 0);
  REQUIRE(getopt_int(*so, SOL_UDP, UDP_CORK, &v) == 0);
  CHECK(v == 1);
  // Shorter than an int: EINVAL, whatever the name.
  const uint16_t two = 20;
  CHECK(setopt_raw(*so, SOL_UDPLITE, UDPLITE_SEND_CSCOV, &two, sizeof two) == EINVAL);
  CHECK(setopt_raw(*so, SOL_UDPLITE, 9999, &two, sizeof two) == EINVAL);
  CHECK(setopt_int(*so, SOL_UDPLITE, 9999, 1) == ENOPROTOOPT);
  CHECK(getopt_int(*so, SOL_UDPLITE, 9999, &v) == ENOPROTOOPT);
  // A one-byte read gets the low byte.
  unsigned char c = 0;
  Sockopt g;
  g.sopt_dir = SOPT_GET;
  g.sopt_level = SOL_UDPLITE;
  g.sopt_name = UDPLITE_SEND_CSCOV;
  g.sopt_val = &c;
  g.sopt_valsize = 1;
  REQUIRE(sogetopt(*so, g) == 0);
  CHECK(c == 20);
  CHECK(g.sopt_valsize == 1);
  // A UDP socket reads 0 at either level and cannot set them.
  Socket* u = mksock(h.st);
  for (int level : {SOL_UDP, SOL_UDPLITE})
    for (int name : {UDPLITE_SEND_CSCOV, UDPLITE_RECV_CSCOV}) {
      CHECK(setopt_int(*u, level, name, 20) == ENOPROTOOPT);
      v = -1;
      REQUIRE(getopt_int(*u, level, name, &v) == 0);
      CHECK(v == 0);
    }
  // ... and UDP_CORK at SOL_UDPLITE is UDP's.
  REQUIRE(setopt_int(*u, SOL_UDPLITE, UDP_CORK, 1) == 0);
  REQUIRE(getopt_int(*u, SOL_UDP, UDP_CORK, &v) == 0);
  CHECK(v == 1);
  soclose(*so);
  soclose(*u);
}

TEST_CASE("udplite: a port space apart from UDP's, each protocol's datagrams to its own socket") {
  Host h;
  Socket* u = mksock(h.st);
  Socket* l = lite_sock(h.st);
  REQUIRE(sobind(*u, sin(0, 9000), Td{}) == 0);
  REQUIRE(sobind(*l, sin(0, 9000), Td{}) == 0);
  Socket* l2 = lite_sock(h.st);
  CHECK(sobind(*l2, sin(0, 9000), Td{}) == EADDRINUSE);
  Socket* u2 = mksock(h.st);
  CHECK(sobind(*u2, sin(kUs, 9000), Td{}) == EADDRINUSE);
  h.inject(udp_pkt(kPeer, 1, kUs, 9000, bytes_of("udp")));
  h.inject(lite_pkt(lite_seg(kPeer, 1, kUs, 9000, bytes_of("lite"), 0)));
  CHECK(recv_from(*u).data == bytes_of("udp"));
  CHECK(recv_from(*u).err == EWOULDBLOCK);
  CHECK(recv_from(*l).data == bytes_of("lite"));
  CHECK(recv_from(*l).err == EWOULDBLOCK);
  // A UDP-Lite datagram to a port only UDP holds: port unreachable, counted as UDP-Lite's.
  Pkt to_udp_only = lite_pkt(lite_seg(kPeer, 1, kUs, 9001, bytes_of("x"), 0));
  Socket* u3 = mksock(h.st);
  REQUIRE(sobind(*u3, sin(0, 9001), Td{}) == 0);
  h.inject(to_udp_only);
  REQUIRE(h.out.size() == 1);
  Pkt got = h.take();
  CHECK(got == ip_pkt(kUs, kPeer, 1, icmp_msg(3, 3, 0, to_udp_only), 64, wire::get16(&got[4]), 0, 0xc0));
  CHECK(wire::tcpdump_line(got) == "IP 10.77.0.2 > 10.77.0.1: ICMP 10.77.0.2 protocol 136 port 9001 unreachable, "
                                   "length 37");
  CHECK(h.in().udplitestat.noport == 1);
  CHECK(h.in().udpstat.noport == 0);
  CHECK(recv_from(*u3).err == EWOULDBLOCK);
  // Ephemeral ports: each protocol picks from its own space.
  Socket* e = lite_sock(h.st);
  SockAddr to = sin(kPeer, 7);
  REQUIRE(send_to(*e, bytes_of("e"), &to) == 0);
  CHECK(local_port(*e) >= 32768);
  CHECK(h.take()[9] == std::byte(kLite));
  for (Socket* s : {u, l, l2, u2, u3, e}) soclose(*s);
}

TEST_CASE("udplite: over loopback with partial coverage, connect + send, and port unreachable to a connected socket") {
  Host h;
  Socket* srv = lite_sock(h.st);
  REQUIRE(sobind(*srv, sin(0x7f000001, 9100), Td{}) == 0);
  REQUIRE(setopt_int(*srv, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 12) == 0);
  Socket* cli = lite_sock(h.st);
  REQUIRE(soconnect(*cli, sin(0x7f000001, 9100), Td{}) == 0);
  REQUIRE(setopt_int(*cli, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 12) == 0);
  REQUIRE(send_to(*cli, bytes_of("covered+not"), nullptr) == 0);
  h.run();
  Rcvd r = recv_from(*srv);
  REQUIRE(r.err == 0);
  CHECK(r.data == bytes_of("covered+not"));
  sockaddr_in from;
  std::memcpy(&from, &r.from.ss, sizeof from);
  CHECK(ntohs(from.sin_port) == local_port(*cli));
  // Coverage 10 is below the server's 12: dropped there.
  REQUIRE(setopt_int(*cli, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 10) == 0);
  REQUIRE(send_to(*cli, bytes_of("covered+not"), nullptr) == 0);
  h.run();
  CHECK(recv_from(*srv).err == EWOULDBLOCK);
  CHECK(h.in().udplitestat.shortcov == 1);
  // A UDP socket on the same port hears nothing of it; a closed UDP-Lite
  // port refuses the connected socket (ICMP through udplite_ctlinput).
  Socket* c2 = lite_sock(h.st);
  Socket* u = mksock(h.st);
  REQUIRE(sobind(*u, sin(0x7f000001, 9101), Td{}) == 0);
  REQUIRE(soconnect(*c2, sin(0x7f000001, 9101), Td{}) == 0);
  REQUIRE(send_to(*c2, bytes_of("x"), nullptr) == 0);
  h.run();
  CHECK(recv_from(*c2).err == ECONNREFUSED);
  CHECK(recv_from(*u).err == EWOULDBLOCK);
  CHECK(h.out.empty());
  for (Socket* s : {srv, cli, c2, u}) soclose(*s);
}

TEST_CASE("udplite: a group joined by a UDP-Lite socket alone is taken in, and the datagram reaches it") {
  Host h;
  Socket* l = lite_sock(h.st);
  REQUIRE(sobind(*l, sin(0, 9200), Td{}) == 0);
  constexpr uint32_t kGroup = 0xef010203;  // 239.1.2.3
  ip_mreq mr{};
  mr.imr_multiaddr.s_addr = htonl(kGroup);
  mr.imr_interface.s_addr = htonl(kUs);
  REQUIRE(setopt_raw(*l, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr) == 0);
  h.inject(ip_pkt(kPeer, kGroup, kLite, lite_seg(kPeer, 1, kGroup, 9200, bytes_of("group"), 12, 12)));
  CHECK(recv_from(*l).data == bytes_of("group"));
  CHECK(h.in().ipstat.notforus == 0);
  soclose(*l);
}
