// Our packet lines for every protocol besides TCP over IPv4 (which
// tcpdump_test.cpp covers): UDP, ICMP and its errors, IPv4 fragments, odd
// protocols and truncated captures, IPv6 with UDP, TCP, ICMPv6 and a
// hop-by-hop header. The packets go into a pcap file that the real
// `tcpdump -n -tt -r` reads; each of our lines, behind the record's time as
// -tt prints it, must equal tcpdump's field by field.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>

#include "netinet/inet_fixture.hpp"
#include "wire/tcp.hpp"
#include "wire/tcpdump.hpp"
#include "wire/tcpdump_files.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

constexpr uint32_t kA = 0xc6120002;  // 198.18.0.2
constexpr uint32_t kB = 0xc6120001;  // 198.18.0.1

Pkt data_of(size_t n) {
  Pkt d(n);
  for (size_t i = 0; i < n; ++i) d[i] = std::byte('a' + i % 26);
  return d;
}

Pkt concat(Pkt a, const Pkt& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// An ICMP error quoting the first 8 bytes past the offending packet's header.
Pkt icmp_error(uint8_t type, uint8_t code, uint32_t rest, const Pkt& offending) {
  Pkt q(offending.begin(), offending.begin() + std::min<size_t>(offending.size(), 28));
  return ip_pkt(kB, kA, 1, icmp_msg(type, code, rest, q));
}

// 2001:db8::N
Pkt a6(int n) {
  Pkt a(16);
  a[0] = std::byte(0x20), a[1] = std::byte(0x01), a[2] = std::byte(0x0d), a[3] = std::byte(0xb8);
  a[15] = std::byte(n);
  return a;
}

Pkt ip6_pkt(const Pkt& src, const Pkt& dst, uint8_t next, const Pkt& payload, uint8_t hlim = 64) {
  Pkt p(40);
  p[0] = std::byte(0x60);
  wire::put16(&p[4], uint16_t(payload.size()));
  p[6] = std::byte(next);
  p[7] = std::byte(hlim);
  std::copy(src.begin(), src.end(), p.begin() + 8);
  std::copy(dst.begin(), dst.end(), p.begin() + 24);
  return concat(p, payload);
}

Pkt udp6(uint16_t sp, uint16_t dp, const Pkt& data) {
  Pkt u(8);
  wire::put16(&u[0], sp);
  wire::put16(&u[2], dp);
  wire::put16(&u[4], uint16_t(8 + data.size()));
  return concat(u, data);
}

Pkt icmp6(uint8_t type, uint8_t code, const Pkt& body) {
  Pkt m(4);
  m[0] = std::byte(type);
  m[1] = std::byte(code);
  return concat(m, body);
}

Pkt tcp_hdr(uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const Pkt& opts,
            const Pkt& data) {
  Pkt t(20);
  wire::put16(&t[0], sp);
  wire::put16(&t[2], dp);
  wire::put32(&t[4], seq);
  wire::put32(&t[8], ack);
  t[12] = std::byte(((20 + opts.size()) / 4) << 4);
  t[13] = std::byte(flags);
  wire::put16(&t[14], win);
  return concat(concat(t, opts), data);
}

std::vector<Captured> corpus() {
  std::vector<Captured> v;
  auto add = [&](Pkt p) { v.push_back(whole(std::move(p))); };
  // UDP over IPv4 (ports no dissector claims), empty and truncated.
  const Pkt u = udp_pkt(kA, 40000, kB, 40001, data_of(5));
  add(u);
  add(udp_pkt(kB, 40001, kA, 40000, {}));
  v.push_back(cut(udp_pkt(kA, 40000, kB, 40001, data_of(100)), 24));
  // ICMP: echo both ways, the unreachables, need-frag, time exceeded.
  add(ip_pkt(kA, kB, 1, icmp_msg(8, 0, 0x00070001, data_of(56))));
  add(ip_pkt(kB, kA, 1, icmp_msg(0, 0, 0x00070001, data_of(56))));
  add(icmp_error(3, 3, 0, u));
  add(icmp_error(3, 0, 0, u));
  add(icmp_error(3, 1, 0, u));
  add(icmp_error(3, 2, 0, u));
  add(icmp_error(3, 4, 1400, u));
  add(icmp_error(11, 0, 0, u));
  add(icmp_error(11, 1, 0, u));
  // Fragments of a 3000-byte ping: the first (MF) and a later one.
  add(ip_pkt(kA, kB, 1, icmp_msg(8, 0, 0x00090001, data_of(1472)), 64, 0x4321, wire::IP_MF_));
  add(ip_pkt(kA, kB, 1, data_of(1480), 64, 0x4321, uint16_t(wire::IP_MF_ | 185)));
  add(ip_pkt(kA, kB, 1, data_of(48), 64, 0x4321, 370));
  // A protocol with no dissector; a header cut short.
  add(ip_pkt(kA, kB, 253, data_of(10)));
  v.push_back(cut(u, 12));
  v.push_back(cut(udp_pkt(kA, 40000, kB, 40001, data_of(100)), 22));
  // IPv6: UDP, echo both ways, neighbour discovery, errors, hop-by-hop MLD.
  add(ip6_pkt(a6(2), a6(1), 17, udp6(40000, 40001, data_of(5))));
  Pkt echo(4);
  wire::put32(&echo[0], 0x00070001);
  add(ip6_pkt(a6(2), a6(1), 58, icmp6(128, 0, concat(echo, data_of(56)))));
  add(ip6_pkt(a6(1), a6(2), 58, icmp6(129, 0, concat(echo, data_of(56)))));
  add(ip6_pkt(a6(2), a6(1), 58, icmp6(135, 0, concat(Pkt(4), a6(1))), 255));
  add(ip6_pkt(a6(1), a6(2), 58, icmp6(136, 0, concat(bytes_of({0x60, 0, 0, 0}), a6(1))), 255));
  add(ip6_pkt(a6(2), a6(1), 58, icmp6(133, 0, Pkt(4)), 255));
  Pkt mtu(4);
  wire::put32(&mtu[0], 1280);
  add(ip6_pkt(a6(1), a6(2), 58, icmp6(2, 0, concat(mtu, Pkt(48)))));
  Pkt hbh = bytes_of({58, 0, 5, 2, 0, 0, 1, 0});  // router alert, PadN
  add(ip6_pkt(a6(2), a6(1), 0, concat(hbh, icmp6(143, 0, Pkt(4)))));
  add(ip6_pkt(a6(2), a6(1), 253, data_of(10)));
  // Extension headers before the transport: destination options, hop-by-hop
  // before UDP (ports alone after them), and fragments: the first of a
  // 2056-byte echo (MF), a later one (its payload left undecoded), an atomic
  // one, and the first fragment of a UDP datagram.
  Pkt dstopt = [](uint8_t next) { return bytes_of({next, 0, 1, 4, 0, 0, 0, 0}); }(58);
  add(ip6_pkt(a6(2), a6(1), 60, concat(dstopt, icmp6(128, 0, concat(echo, data_of(56))))));
  add(ip6_pkt(a6(2), a6(1), 0, concat(bytes_of({17, 0, 1, 4, 0, 0, 0, 0}), udp6(40000, 40001, data_of(100)))));
  add(ip6_pkt(a6(2), a6(1), 60,
              concat(bytes_of({6, 0, 1, 4, 0, 0, 0, 0}), tcp_hdr(40002, 81, 7, 0, wire::TH_SYN, 65535, {}, {}))));
  const Pkt big_echo = icmp6(128, 0, concat(echo, data_of(2048)));
  auto frag6 = [](uint8_t next, uint16_t off, bool more, uint32_t id) {
    Pkt f = bytes_of({next, 0, 0, 0, 0, 0, 0, 0});
    wire::put16(&f[2], uint16_t(off | (more ? 1 : 0)));
    wire::put32(&f[4], id);
    return f;
  };
  add(ip6_pkt(a6(2), a6(1), 44, concat(frag6(58, 0, true, 0x1234), Pkt(big_echo.begin(), big_echo.begin() + 1448))));
  add(ip6_pkt(a6(2), a6(1), 44, concat(frag6(58, 1448, false, 0x1234), Pkt(big_echo.begin() + 1448, big_echo.end()))));
  add(ip6_pkt(a6(1), a6(2), 44, concat(frag6(58, 0, false, 0x99), icmp6(129, 0, concat(echo, data_of(56))))));
  const Pkt big_udp = udp6(40000, 40001, data_of(2000));
  add(ip6_pkt(a6(2), a6(1), 44, concat(frag6(17, 0, true, 0x55), Pkt(big_udp.begin(), big_udp.begin() + 1448))));
  v.push_back(cut(ip6_pkt(a6(2), a6(1), 17, udp6(40000, 40001, data_of(5))), 30));
  // TCP over IPv6: a handshake and data (relative numbers after the SYNs).
  const Pkt syn_opts = bytes_of({2, 4, 5, 0xa0, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
  add(ip6_pkt(a6(2), a6(1), 6, tcp_hdr(40000, 80, 1000, 0, wire::TH_SYN, 64800, syn_opts, {})));
  add(ip6_pkt(a6(1), a6(2), 6, tcp_hdr(80, 40000, 5000, 1001, wire::TH_SYN | wire::TH_ACK, 64260, syn_opts, {})));
  add(ip6_pkt(a6(2), a6(1), 6, tcp_hdr(40000, 80, 1001, 5001, wire::TH_ACK, 507, {}, {})));
  add(ip6_pkt(a6(2), a6(1), 6,
              tcp_hdr(40000, 80, 1001, 5001, wire::TH_ACK | wire::TH_PUSH, 507, {}, bytes_of("GET / HTTP/1.1\r\n"))));
  add(ip6_pkt(a6(1), a6(2), 6, tcp_hdr(80, 40000, 5001, 1017, wire::TH_ACK | wire::TH_FIN, 502, {}, {})));
  return v;
}

// A line's fields: split at spaces, the separating commas kept with them.
std::vector<std::string> fields(const std::string& s) {
  std::vector<std::string> f;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    f.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return f;
}

}  // namespace

TEST_CASE("tcpdump: UDP, ICMP, fragments and IPv6 lines equal tcpdump -n -tt's, field by field") {
  if (!have_tcpdump()) {
    MESSAGE("skipped: tcpdump is not installed");
    return;
  }
  auto v = corpus();
  char path[] = "/tmp/tunsock_tcpdump_proto_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  write_pcap(path, v);
  std::vector<std::string> theirs = run_tcpdump(path, "-n -tt", true);
  unlink(path);
  REQUIRE(theirs.size() == v.size());
  wire::TcpdumpTracker t;
  for (size_t i = 0; i < v.size(); ++i) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "%u.%06u ", record_sec(i), record_usec(i));
    const std::string ours = ts + t.line(wire::Bytes(v[i].bytes.data(), v[i].bytes.size()));
    CAPTURE(i);
    CAPTURE(ours);
    CAPTURE(theirs[i]);
    const auto a = fields(ours), b = fields(theirs[i]);
    for (size_t k = 0; k < std::max(a.size(), b.size()); ++k) {
      CAPTURE(k);
      CHECK((k < a.size() ? a[k] : "(none)") == (k < b.size() ? b[k] : "(none)"));
      if (k < a.size() && k < b.size() && a[k] != b[k]) break;  // one report per line
    }
  }
}
