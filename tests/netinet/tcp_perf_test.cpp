// Bulk transfer behaviour Linux shows and programs depend on for speed:
// the send buffer grows with the congestion window (tcp_sndbuf_expand), the
// receive buffer grows with what the program reads per RTT (DRS,
// tcp_rcv_space_adjust), neither when SO_SNDBUF/SO_RCVBUF fixed it, and
// the receiver ACKs at once when more than a full segment is unacknowledged
// and its window has room (__tcp_ack_snd_check). Two stacks over the
// in-memory link on a virtual clock; the bounds are ones the old fixed
// 16 KB send buffer (each full buffer waiting for a delayed ACK) misses by
// far.
#include <cstdio>
#include <cstdlib>

#include "netinet/tcp_pair.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

namespace {

struct OneWay {
  uint64_t sent = 0, rcvd = 0;
  bool bad = false;
};

// Write what sosendspace allows, read what is there, check every byte.
void pump_one_way(Socket& from, Socket& to, OneWay& s, uint64_t n) {
  static thread_local std::vector<std::byte> buf(1 << 17);
  for (int rounds = 0; s.sent < n && rounds < 64; ++rounds) {
    long space = sosendspace(from);
    if (space <= 0) break;
    size_t k = size_t(std::min<uint64_t>({uint64_t(space), n - s.sent, buf.size()}));
    for (size_t i = 0; i < k; ++i) buf[i] = pattern(s.sent + i, 5);
    mbuf* m = m_devget(buf.data(), int(k), M_NOWAIT, true);
    if (sosend(from, nullptr, m, nullptr, 0, Td{}) != 0) break;
    s.sent += k;
  }
  for (int rounds = 0; rounds < 64; ++rounds) {
    RecvArgs a;
    a.buf = buf.data();
    a.len = buf.size();
    if (soreceive(to, a) != 0 || a.done == 0) break;
    for (size_t i = 0; i < a.done; ++i)
      if (buf[i] != pattern(s.rcvd + i, 5)) s.bad = true;
    s.rcvd += a.done;
  }
}

struct Run {
  bool done = false;
  Time took{0};
  uint32_t cli_sndbuf_before = 0, cli_sndbuf_after = 0, srv_rcvbuf_after = 0;
  uint64_t delacks = 0, acks = 0;
};

// n bytes client -> server over a link of the given MTU and one-way delay;
// sndbuf/rcvbuf > 0: set with setsockopt before connect/listen.
Run transfer(uint32_t mtu, Time delay, uint64_t n, Time limit, int sndbuf = 0, int rcvbuf = 0) {
  MemLinkParams lp;
  lp.mtu = mtu;
  lp.delay = delay;
  TcpPair p(lp);
  Socket* l = tcp_listener(p.b, 5001);
  if (rcvbuf) REQUIRE(setopt_int(*l, SOL_SOCKET, SO_RCVBUF, rcvbuf) == 0);
  Socket* c = tcp_socket(p.a);
  if (sndbuf) REQUIRE(setopt_int(*c, SOL_SOCKET, SO_SNDBUF, sndbuf) == 0);
  Run r;
  r.cli_sndbuf_before = c->so_snd.sb_hiwat;
  REQUIRE(soconnect(*c, sin(kB, 5001), Td{}) == 0);
  REQUIRE(p.run_until([&] { return !l->so_comp.empty(); }, 10s));
  Socket* s = accept_one(*l);
  REQUIRE(s);
  OneWay w;
  const Time t0 = p.now();
  r.done = p.run_until(
      [&] {
        pump_one_way(*c, *s, w, n);
        return w.rcvd == n;
      },
      limit);
  r.took = p.now() - t0;
  CHECK_FALSE(w.bad);
  r.cli_sndbuf_after = c->so_snd.sb_hiwat;
  r.srv_rcvbuf_after = s->so_rcv.sb_hiwat;
  r.delacks = p.stat_b().delack;
  r.acks = p.stat_b().sndacks;
  if (getenv("TCPPERF_VERBOSE"))
    std::printf("mtu %u: %llu bytes in %.3f ms virtual, sndbuf %u -> %u, rcvbuf -> %u, delacks %llu acks %llu\n",
                mtu, (unsigned long long)w.rcvd, std::chrono::duration<double, std::milli>(r.took).count(),
                r.cli_sndbuf_before, r.cli_sndbuf_after, r.srv_rcvbuf_after, (unsigned long long)r.delacks,
                (unsigned long long)r.acks);
  soclose(*c);
  soclose(*s);
  soclose(*l);
  p.run_for(200s);
  return r;
}

}  // namespace

TEST_CASE("tcp perf: 10 MB over a 65535-MTU link (as lo) with default buffers within 1 s of virtual time") {
  // The old stack: a 16 KB send buffer below one 65483-byte segment, each
  // buffer waiting for the receiver's 40 ms delayed ACK: about 25 s.
  Run r = transfer(65535, 50us, 10 << 20, 30s);
  CHECK(r.done);
  CHECK(r.took < 1s);
  // Linux tcp_sndbuf_expand after the handshake: 2 x 10 segments of
  // roundup_pow_of_two(65483 + 320 + 320) + 256 = 2626560 (what `ss -m`
  // shows for a loopback connection).
  CHECK(r.cli_sndbuf_before == 16384);
  CHECK(r.cli_sndbuf_after >= 2626560u);
  CHECK(r.cli_sndbuf_after <= 4194304u);  // tcp_wmem[2]
}

TEST_CASE("tcp perf: 10 MB over a 1500-MTU link with a 1 ms delay: the receive buffer grows (DRS)") {
  // The window must outgrow the initial 128 KB to fill a 2 ms RTT at the
  // link's (unbounded) rate; 10 MB in one 128 KB window per RTT takes 160 ms.
  Run r = transfer(1500, 1ms, 10 << 20, 30s);
  CHECK(r.done);
  CHECK(r.took < 120ms);
  CHECK(r.srv_rcvbuf_after > 131072u);
  CHECK(r.srv_rcvbuf_after <= 6291456u);  // tcp_rmem[2]
  // 1500-byte MTU: 2 x 10 x (roundup_pow_of_two(1460 + 640) + 256) = 87040 at least.
  CHECK(r.cli_sndbuf_after >= 87040u);
}

TEST_CASE("tcp perf: SO_SNDBUF and SO_RCVBUF set by the program are kept (Linux SOCK_*BUF_LOCK)") {
  Run r = transfer(65535, 50us, 1 << 20, 60s, 65536, 65536);
  CHECK(r.done);
  CHECK(r.cli_sndbuf_before == 131072);  // doubled, as Linux
  CHECK(r.cli_sndbuf_after == 131072);
  CHECK(r.srv_rcvbuf_after == 131072);
}

TEST_CASE("tcp perf: a receiver ACKs a full segment at once when its window has room (no delayed ACK in bulk)") {
  Run r = transfer(65535, 50us, 4 << 20, 30s);
  CHECK(r.done);
  // Every ACK of the bulk flow goes at once: at most the handshake's
  // neighbourhood may see a delayed ACK fire.
  CHECK(r.delacks <= 2);
}
