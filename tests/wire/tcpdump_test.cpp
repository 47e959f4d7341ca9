// tcpdump's TCP lines: fixed examples of wire::tcpdump_line (absolute, as
// tcpdump -n -S) and wire::TcpdumpTracker (relative, as tcpdump -n), and a
// differential check: the same packets written to a pcap file and read back
// by the real tcpdump, whose lines must equal ours exactly.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "netinet/inet_fixture.hpp"
#include "wire/tcpdump_files.hpp"
#include "wire/tcp.hpp"
#include "wire/tcpdump.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

constexpr uint32_t kA = 0xc6120002;  // 198.18.0.2
constexpr uint32_t kB = 0xc6120001;  // 198.18.0.1

// An IPv4 packet around a TCP header with literal option bytes; off (in
// 32-bit words) overrides the data offset.
Pkt tcp4(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags,
         uint16_t win, const Pkt& opts = {}, const Pkt& data = {}, int off = -1, uint16_t urp = 0) {
  Pkt t(20);
  wire::put16(&t[0], sp);
  wire::put16(&t[2], dp);
  wire::put32(&t[4], seq);
  wire::put32(&t[8], ack);
  t[12] = std::byte((off >= 0 ? off : int(20 + opts.size()) / 4) << 4);
  t[13] = std::byte(flags);
  wire::put16(&t[14], win);
  wire::put16(&t[18], urp);
  t.insert(t.end(), opts.begin(), opts.end());
  t.insert(t.end(), data.begin(), data.end());
  wire::tcp_set_cksum(t.data(), wire::tcp_cksum(src, dst, t));
  return ip_pkt(src, dst, wire::IPPROTO_TCP_, t);
}

Pkt ts(uint32_t val, uint32_t ecr) {
  Pkt o = bytes_of({1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0});
  wire::put32(&o[4], val);
  wire::put32(&o[8], ecr);
  return o;
}

Pkt cat(Pkt a, const Pkt& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Pkt sack1(uint32_t l, uint32_t r) {
  Pkt o = bytes_of({1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0});
  wire::put32(&o[4], l);
  wire::put32(&o[8], r);
  return o;
}

const Pkt kSynOpts = bytes_of({2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});

// The packets compared with tcpdump: a whole conversation (handshake, data,
// SACK, FIN, RST), every flag, urgent data, malformed options, truncated
// captures, lying data offsets, text protocols, ICMP errors quoting TCP.
std::vector<Captured> corpus() {
  std::vector<Captured> v;
  auto add = [&](Pkt p) { v.push_back(whole(std::move(p))); };
  add(tcp4(kA, 40000, kB, 80, 1000, 0, wire::TH_SYN, 64240, kSynOpts));
  add(tcp4(kB, 80, kA, 40000, 5000, 1001, wire::TH_SYN | wire::TH_ACK, 65160, kSynOpts));
  add(tcp4(kA, 40000, kB, 80, 1001, 5001, wire::TH_ACK, 502, ts(2, 1)));
  add(tcp4(kA, 40000, kB, 80, 1001, 5001, wire::TH_PUSH | wire::TH_ACK, 502, ts(5, 4), Pkt(1000)));
  add(tcp4(kB, 80, kA, 40000, 5001, 2001, wire::TH_ACK, 502, cat(ts(6, 5), sack1(3001, 4001))));
  add(tcp4(kB, 80, kA, 40000, 5001, 2001, wire::TH_PUSH | wire::TH_ACK, 502, ts(6, 5),
           bytes_of("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n")));
  add(tcp4(kA, 40000, kB, 80, 2001, 5030, wire::TH_FIN | wire::TH_ACK, 502, ts(7, 6)));
  add(tcp4(kA, 40000, kB, 80, 2002, 0, wire::TH_RST, 0));
  add(tcp4(kA, 40000, kB, 80, 2002, 5031, wire::TH_RST | wire::TH_ACK, 0));
  add(tcp4(kA, 40001, kB, 5001, 7, 9, 0, 0));
  add(tcp4(kA, 40001, kB, 5001, 7, 9, 0xff, 1, {}, bytes_of("x"), -1, 5));
  add(tcp4(kA, 40001, kB, 5001, 7, 9, wire::TH_ECE | wire::TH_CWR | wire::TH_SYN, 1));
  // The same port both ways: collated by address.
  add(tcp4(kB, 7000, kA, 7000, 100, 200, wire::TH_ACK, 1, {}, Pkt(10)));
  add(tcp4(kA, 7000, kB, 7000, 200, 110, wire::TH_ACK, 1, {}, Pkt(10)));
  add(tcp4(kB, 7000, kA, 7000, 110, 210, wire::TH_ACK, 1, cat(bytes_of({1, 1, 5, 18}), Pkt{
      std::byte(0), std::byte(0), std::byte(0), std::byte(220), std::byte(0), std::byte(0), std::byte(0),
      std::byte(230), std::byte(0), std::byte(0), std::byte(1), std::byte(0), std::byte(0), std::byte(0),
      std::byte(1), std::byte(16)})));
  // Options: malformed, unknown, odd lengths.
  for (Pkt o : {bytes_of({2, 3, 5, 1}), bytes_of({1, 1, 30, 8}), bytes_of({30, 1, 1, 1}), bytes_of({99, 4, 0xab, 0xcd}),
                bytes_of({99, 2, 1, 0}), bytes_of({5, 6, 0, 0, 0, 1, 0, 0}), bytes_of({0, 1, 2, 3}),
                bytes_of({3, 4, 7, 0}), bytes_of({4, 3, 0, 0}), bytes_of({8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}),
                bytes_of({6, 6, 0, 0, 0, 9, 1, 1, 7, 6, 0, 0, 0, 8, 0, 0}),
                bytes_of({11, 6, 0, 0, 0, 9, 1, 1, 12, 6, 0, 0, 0, 8, 1, 1, 13, 6, 0, 0, 0, 7, 0, 0}),
                bytes_of({28, 4, 0x80, 0x05, 254, 4, 0xf9, 0x89, 29, 4, 1, 2}),
                bytes_of({34, 2, 34, 6, 1, 2, 3, 4, 29, 5, 1, 2, 3, 0}), bytes_of({254, 4, 0x12, 0x34}),
                bytes_of({1, 1, 1, 2}), bytes_of({2, 4, 1, 0, 2, 8, 0, 0, 0, 0, 0, 0}),
                bytes_of({30, 2, 1, 1}), bytes_of({1, 30, 2, 0}), bytes_of({30, 4, 0x90, 0}),
                bytes_of({20, 4, 0x8f, 250})})
    add(tcp4(kA, 40002, kB, 81, 1, 0, wire::TH_SYN, 0, o));
  add(tcp4(kA, 40002, kB, 81, 1, 0, wire::TH_SYN, 0, bytes_of({1, 1, 1, 2}), bytes_of("zz")));
  // Data offsets below 5 and beyond the segment.
  add(tcp4(kA, 40002, kB, 81, 1, 0, wire::TH_SYN, 0, {}, {}, 4));
  add(tcp4(kA, 40002, kB, 81, 1, 0, wire::TH_SYN, 0, {}, {}, 15));
  add(tcp4(kA, 40002, kB, 81, 1, 0, wire::TH_SYN, 0, {}, Pkt(8), 0));
  // Truncated captures of a SYN with options and 3 bytes of data.
  Pkt syn = tcp4(kA, 40003, kB, 80, 1000, 0, wire::TH_SYN, 64240, kSynOpts, bytes_of("abc"));
  for (size_t c : {20, 22, 24, 30, 39, 40, 41, 42, 44, 45, 46, 50, 55, 57, 59, 60, 61, 62}) v.push_back(cut(syn, c));
  // Text protocols' first lines.
  struct Txt { uint16_t sp, dp; const char* data; size_t cap; };
  for (Txt x : {Txt{40004, 21, "hello", 0}, Txt{40004, 21, "hel\x01lo\r\n", 0}, Txt{40004, 21, "hello\rx\n", 0},
                Txt{40004, 21, "hello\r", 0}, Txt{40004, 21, "\tab c\nzz", 0}, Txt{40004, 21, "hello world\r\n", 3},
                Txt{40004, 80, "get /x HTTP/1.0\r\n", 0}, Txt{40004, 80, "HTTP/1.1 404 Not Found\r\n", 0},
                Txt{40004, 80, "FOO 200 x\r\n", 0}, Txt{40004, 80, "200 x\r\n", 0}, Txt{40004, 80, "GET", 0},
                Txt{40004, 80, "GET /abc\r\n", 5}, Txt{40004, 80, "GET /abc def", 0}, Txt{40004, 80, "\x80GET", 0},
                Txt{40004, 554, "PLAY x RTSP/1.0\r\n", 0}, Txt{40004, 8554, "RTSP/1.0 200 OK\r\n", 0},
                Txt{40004, 25, "220 hi\r\n", 0}, Txt{40004, 43, "a\r\n", 0}, Txt{40004, 8080, "POST / HTTP/1.1\n", 0},
                Txt{40004, 22, "SSH-2.0-OpenSSH_9.2p1 Debian\r\n", 0}, Txt{40004, 22, "SSH-2.0-x", 0},
                Txt{40004, 22, "SSH-2.0-x\r\nabc", 0}, Txt{40004, 22, "SSH-2.0-\x01x\r\n", 0}, Txt{40004, 22, "SS", 0},
                Txt{22, 80, "GET / HTTP/1.0\r\n", 0}, Txt{21, 80, "GET / HTTP/1.0\r\n", 0},
                Txt{40004, 5001, "GET / HTTP/1.0\r\n", 0}}) {
    Pkt p = tcp4(kA, x.sp, kB, x.dp, 1, 0, wire::TH_PUSH, 0, {}, bytes_of(std::string(x.data)));
    v.push_back(x.cap ? cut(p, 40 + x.cap) : whole(p));
  }
  Pkt ssh = tcp4(kA, 40004, kB, 22, 1, 0, wire::TH_PUSH, 0, {}, bytes_of("SS"));
  v.push_back(cut(ssh, 41));
  // ICMP errors quoting TCP.
  Pkt quoted = tcp4(kB, 40000, kA, 80, 1000, 0, wire::TH_SYN, 64240, kSynOpts);
  quoted.resize(28);
  add(ip_pkt(kA, kB, 1, icmp_msg(3, 3, 0, quoted)));
  add(ip_pkt(kA, kB, 1, icmp_msg(3, 4, 1400, quoted)));
  add(ip_pkt(kA, kB, 1, icmp_msg(11, 0, 0, quoted)));
  add(ip_pkt(kA, kB, 1, icmp_msg(11, 1, 0, quoted)));
  add(ip_pkt(kA, kB, 1, icmp_msg(11, 2, 0, quoted)));
  Pkt sctp = quoted;
  sctp[9] = std::byte(132);
  add(ip_pkt(kA, kB, 1, icmp_msg(3, 3, 0, sctp)));
  // A later fragment of a TCP segment names only the protocol.
  add(ip_pkt(kA, kB, 6, Pkt(16), 64, 1, 0x0003));
  return v;
}

// Seeded random segments: flags, ports that pick text dissectors, option
// bytes mixing well-formed and malformed kinds, text or binary payloads,
// and captures cut anywhere.
std::vector<Captured> random_corpus(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t k) { return uint64_t(rng() % k); };
  const uint16_t ports[] = {80, 22, 21, 25, 554, 8080, 5001, 40000, 443, 7000};
  const char* texts[] = {"GET / HTTP/1.1\r\nHost: a\r\n", "HTTP/1.0 200 OK\r\n", "SSH-2.0-x\r\n", "220 ok\n",
                         "hello", "a\rb\r\n", "PLAY x\r\n"};
  std::vector<Captured> v;
  for (size_t i = 0; i < n; ++i) {
    Pkt opts;
    const size_t nopt = pick(5);
    for (size_t k = 0; k < nopt && opts.size() < 36; ++k) {
      switch (pick(9)) {
        case 0: opts.push_back(std::byte(1)); break;
        case 1: opts.push_back(std::byte(0)); break;
        case 2: for (int b : {2, 4, 5, 0xb4}) opts.push_back(std::byte(b)); break;
        case 3: for (int b : {3, 3, int(pick(20))}) opts.push_back(std::byte(b)); break;
        case 4: for (int b : {4, 2}) opts.push_back(std::byte(b)); break;
        case 5: { Pkt t = ts(uint32_t(rng()), uint32_t(rng())); opts.insert(opts.end(), t.begin() + 2, t.end()); break; }
        case 6: { Pkt t = sack1(uint32_t(rng()), uint32_t(rng())); opts.insert(opts.end(), t.begin() + 2, t.end()); break; }
        default: {  // any kind, any length byte, a few bytes after it
          uint8_t kind = uint8_t(pick(256));
          if (kind == 30) kind = 31;  // MPTCP's subtypes are not dissected (DEVIATION in tcpdump.cpp)
          opts.push_back(std::byte(kind));
          opts.push_back(std::byte(pick(12)));
          for (size_t b = pick(4); b > 0; --b) opts.push_back(std::byte(pick(256)));
        }
      }
    }
    while (opts.size() % 4) opts.push_back(std::byte(pick(3) ? 0 : 1));
    if (opts.size() > 40) opts.resize(40);
    Pkt data;
    if (pick(2)) data = bytes_of(std::string(texts[pick(7)]));
    else data.resize(pick(3) * pick(40));
    const uint32_t src = pick(2) ? kA : kB, dst = src == kA ? kB : kA;
    int off = pick(10) == 0 ? int(pick(16)) : -1;
    Pkt p = tcp4(src, ports[pick(10)], dst, ports[pick(10)], uint32_t(pick(4) ? 1000 + pick(3000) : rng()),
                 uint32_t(pick(4) ? 5000 + pick(3000) : rng()), uint8_t(pick(256)), uint16_t(rng()), opts, data, off,
                 uint16_t(rng()));
    v.push_back(pick(5) == 0 ? cut(p, 20 + pick(p.size() - 19)) : whole(p));
  }
  return v;
}

}  // namespace

TEST_CASE("tcpdump: TCP lines as tcpdump -n -S prints them") {
  auto v = corpus();
  CHECK(wire::tcpdump_line(v[0].bytes) ==
        "IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [S], seq 1000, win 64240, "
        "options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0");
  CHECK(wire::tcpdump_line(v[1].bytes) ==
        "IP 198.18.0.1.80 > 198.18.0.2.40000: Flags [S.], seq 5000, ack 1001, win 65160, "
        "options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0");
  CHECK(wire::tcpdump_line(v[3].bytes) ==
        "IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [P.], seq 1001:2001, ack 5001, win 502, "
        "options [nop,nop,TS val 5 ecr 4], length 1000: HTTP");
  CHECK(wire::tcpdump_line(v[4].bytes) ==
        "IP 198.18.0.1.80 > 198.18.0.2.40000: Flags [.], ack 2001, win 502, "
        "options [nop,nop,TS val 6 ecr 5,nop,nop,sack 1 {3001:4001}], length 0");
  CHECK(wire::tcpdump_line(v[10].bytes) ==
        "IP 198.18.0.2.40001 > 198.18.0.1.5001: Flags [FSRP.UEW], seq 7:8, ack 9, win 1, urg 5, length 1");
  CHECK(wire::tcpdump_line(v[9].bytes) == "IP 198.18.0.2.40001 > 198.18.0.1.5001: Flags [none], win 0, length 0");
  Pkt q = tcp4(kB, 40000, kA, 80, 1, 0, wire::TH_SYN, 0);
  q.resize(28);
  CHECK(wire::tcpdump_line(ip_pkt(kA, kB, 1, icmp_msg(3, 3, 0, q))) ==
        "IP 198.18.0.2 > 198.18.0.1: ICMP 198.18.0.2 tcp port 80 unreachable, length 36");
  // Truncated and impossible headers.
  Pkt syn = tcp4(kA, 40000, kB, 80, 1000, 0, wire::TH_SYN, 64240, kSynOpts);
  CHECK(wire::tcpdump_line(wire::Bytes(syn.data(), 22)) == "IP 198.18.0.2 > 198.18.0.1: [|tcp]");
  CHECK(wire::tcpdump_line(wire::Bytes(syn.data(), 30)) == "IP 198.18.0.2.40000 > 198.18.0.1.80:  [|tcp]");
  CHECK(wire::tcpdump_line(wire::Bytes(syn.data(), 55)) ==
        "IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS [|tcp]>");
  CHECK(wire::tcpdump_line(tcp4(kA, 1, kB, 2, 1, 0, wire::TH_SYN, 0, bytes_of({2, 3, 5, 1}))) ==
        "IP 198.18.0.2.1 > 198.18.0.1.2: Flags [S], seq 1, win 0, options [mss 1281[len 3]], length 0");
  CHECK(wire::tcpdump_line(tcp4(kA, 1, kB, 2, 1, 0, wire::TH_SYN, 0, bytes_of({1, 1, 30, 8}))) ==
        "IP 198.18.0.2.1 > 198.18.0.1.2: Flags [S], seq 1, win 0, options [nop,nop,[bad opt]]");
  CHECK(wire::tcpdump_line(tcp4(kA, 1, kB, 2, 1, 0, wire::TH_SYN, 0, {}, {}, 4)) ==
        "IP 198.18.0.2.1 > 198.18.0.1.2:  tcp 4 [bad hdr length 16 - too short, < 20]");
}

TEST_CASE("tcpdump: the tracker prints relative numbers as tcpdump -n") {
  wire::TcpdumpTracker t;
  auto v = corpus();
  CHECK(t.line(v[0].bytes).find("Flags [S], seq 1000, win 64240") != std::string::npos);
  CHECK(t.line(v[1].bytes).find("Flags [S.], seq 5000, ack 1001, win 65160") != std::string::npos);
  CHECK(t.line(v[2].bytes) ==
        "IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [.], ack 1, win 502, options [nop,nop,TS val 2 ecr 1], length 0");
  CHECK(t.line(v[3].bytes) ==
        "IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [P.], seq 1:1001, ack 1, win 502, "
        "options [nop,nop,TS val 5 ecr 4], length 1000: HTTP");
  CHECK(t.line(v[4].bytes) ==
        "IP 198.18.0.1.80 > 198.18.0.2.40000: Flags [.], ack 1001, win 502, "
        "options [nop,nop,TS val 6 ecr 5,nop,nop,sack 1 {2001:3001}], length 0");
  CHECK(t.size() == 1);
  // A segment without ACK is absolute, and records nothing.
  CHECK(t.line(v[7].bytes).find("Flags [R], seq 2002, win 0") != std::string::npos);
  CHECK(t.size() == 1);
}

TEST_CASE("tcpdump: the tracker's table is bounded - a forgotten conversation starts over") {
  wire::TcpdumpTracker t(2);
  auto seg = [](uint16_t sp, uint32_t seq, uint32_t ack) {
    return tcp4(kA, sp, kB, 80, seq, ack, wire::TH_ACK, 1, {}, Pkt(10));
  };
  CHECK(t.line(seg(1001, 500, 900)).find("seq 500:510, ack 900") != std::string::npos);
  CHECK(t.line(seg(1001, 510, 900)).find("seq 10:20, ack 1") != std::string::npos);
  CHECK(t.line(seg(1002, 7, 7)).find("seq 7:17, ack 7") != std::string::npos);
  CHECK(t.line(seg(1001, 520, 900)).find("seq 20:30, ack 1") != std::string::npos);  // 1001 now most recent
  CHECK(t.line(seg(1003, 1, 1)).find("seq 1:11") != std::string::npos);              // evicts 1002
  CHECK(t.size() == 2);
  CHECK(t.line(seg(1001, 530, 900)).find("seq 30:40, ack 1") != std::string::npos);
  CHECK(t.line(seg(1002, 17, 7)).find("seq 17:27, ack 7") != std::string::npos);  // forgotten: absolute again
  CHECK(t.size() == 2);
}

TEST_CASE("tcpdump: our lines equal the real tcpdump's, with and without -S") {
  if (!have_tcpdump()) {
    MESSAGE("skipped: tcpdump is not installed");
    return;
  }
  auto v = corpus();
  char path[] = "/tmp/tunsock_tcpdump_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  write_pcap(path, v);
  std::vector<std::string> abs = run_tcpdump(path, "-n -S");
  std::vector<std::string> rel = run_tcpdump(path, "-n");
  unlink(path);
  REQUIRE(abs.size() == v.size());
  REQUIRE(rel.size() == v.size());
  wire::TcpdumpTracker t;
  for (size_t i = 0; i < v.size(); ++i) {
    wire::Bytes b(v[i].bytes.data(), v[i].bytes.size());
    CAPTURE(i);
    CHECK(wire::tcpdump_line(b) == abs[i]);
    CHECK(t.line(b) == rel[i]);
  }
}

TEST_CASE("tcpdump: 4000 seeded random segments print as the real tcpdump prints them") {
  if (!have_tcpdump()) {
    MESSAGE("skipped: tcpdump is not installed");
    return;
  }
  const uint64_t seed = 7;
  auto v = random_corpus(seed, 4000);
  char path[] = "/tmp/tunsock_tcpdump_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  write_pcap(path, v);
  std::vector<std::string> abs = run_tcpdump(path, "-n -S");
  std::vector<std::string> rel = run_tcpdump(path, "-n");
  unlink(path);
  REQUIRE(abs.size() == v.size());
  REQUIRE(rel.size() == v.size());
  wire::TcpdumpTracker t;
  size_t bad = 0;
  for (size_t i = 0; i < v.size() && bad < 10; ++i) {
    wire::Bytes b(v[i].bytes.data(), v[i].bytes.size());
    CAPTURE(seed);
    CAPTURE(i);
    const std::string a = wire::tcpdump_line(b), r = t.line(b);
    CHECK(a == abs[i]);
    CHECK(r == rel[i]);
    bad += (a != abs[i]) + (r != rel[i]);
  }
}
