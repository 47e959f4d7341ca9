// Simulations: two stacks move bulk data both ways over the in-memory link
// with seeded loss, reordering, duplication and delay, on one virtual clock.
// Every byte is checked against a pattern; each run must finish within a
// bound of virtual time. The seed is printed on failure. The same runs
// over IPv6 (2001:db8::1 and ::2 on the link, AF_INET6 sockets).
#include <cstdio>
#include <cstdlib>

#include "netinet/tcp_pair.hpp"
#include "netinet6/in6.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

namespace {

struct Stream {
  uint64_t sent = 0, rcvd = 0;
  bool bad = false;
};

// Move n bytes from `from` to `to`, the pattern keyed by `key`: write what
// sosendspace allows, read everything, compare every byte.
void pump(Socket& from, Socket& to, Stream& s, uint64_t n, uint64_t key) {
  static thread_local std::vector<std::byte> buf(1 << 16);
  for (int rounds = 0; s.sent < n && rounds < 64; ++rounds) {
    long space = sosendspace(from);
    if (space <= 0) break;
    size_t k = size_t(std::min<uint64_t>({uint64_t(space), n - s.sent, buf.size()}));
    for (size_t i = 0; i < k; ++i) buf[i] = pattern(s.sent + i, key);
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
      if (buf[i] != pattern(s.rcvd + i, key)) s.bad = true;
    s.rcvd += a.done;
  }
}

struct BulkResult {
  bool done = false, exact = false;
  Time took{0};
  TcpStat sa, sb;
  MemLinkStats link;
  uint64_t ip6_out = 0, ip_out = 0;  // packets the client's stack sent by each family
};

SockAddr sin6_of(const char* a, uint16_t port) {
  SockAddr s;
  in6_sockaddr(wire::ip6_pton(a).value(), port, &s);
  return s;
}

BulkResult bulk(MemLinkParams lp, uint64_t bytes, Time limit, int family = AF_INET) {
  TcpPair p(lp, lp.seed * 7 + 1, lp.seed * 13 + 2);
  Socket* l = nullptr;
  Socket* c = nullptr;
  if (family == AF_INET6) {
    REQUIRE(in6_add_address(p.link.a(), wire::ip6_pton("2001:db8::1").value(), 64) == 0);
    REQUIRE(in6_add_address(p.link.b(), wire::ip6_pton("2001:db8::2").value(), 64) == 0);
    REQUIRE(socreate(p.b, AF_INET6, &l, SOCK_STREAM, 0, Td{}) == 0);
    REQUIRE(sobind(*l, sin6_of("::", 5001), Td{}) == 0);
    REQUIRE(solisten(*l, 16, Td{}) == 0);
    REQUIRE(socreate(p.a, AF_INET6, &c, SOCK_STREAM, 0, Td{}) == 0);
  } else {
    l = tcp_listener(p.b, 5001);
    c = tcp_socket(p.a);
  }
  REQUIRE(setopt_int(*l, SOL_SOCKET, SO_RCVBUF, 1 << 20) == 0);
  REQUIRE(setopt_int(*l, SOL_SOCKET, SO_SNDBUF, 1 << 20) == 0);
  REQUIRE(setopt_int(*c, SOL_SOCKET, SO_RCVBUF, 1 << 20) == 0);
  REQUIRE(setopt_int(*c, SOL_SOCKET, SO_SNDBUF, 1 << 20) == 0);
  REQUIRE(soconnect(*c, family == AF_INET6 ? sin6_of("2001:db8::2", 5001) : sin(kB, 5001), Td{}) == 0);
  REQUIRE(p.run_until([&] { return !l->so_comp.empty(); }, 200s));
  Socket* s = accept_one(*l);
  Stream ab, ba;
  const Time t0 = p.now();
  BulkResult r;
  r.done = p.run_until(
      [&] {
        pump(*c, *s, ab, bytes, 1);
        pump(*s, *c, ba, bytes, 2);
        return ab.rcvd == bytes && ba.rcvd == bytes;
      },
      limit);
  r.took = p.now() - t0;
  r.exact = !ab.bad && !ba.bad && ab.rcvd == bytes && ba.rcvd == bytes;
  // Both close; every control block is gone after TIME-WAIT.
  soclose(*c);
  soclose(*s);
  soclose(*l);
  p.run_for(200s);
  CHECK(p.a.sockets().empty());
  CHECK(p.b.sockets().empty());
  r.sa = p.stat_a();
  r.sb = p.stat_b();
  r.link = p.link.stats();
  r.ip_out = inet(p.a).ipstat.localout;
  if (Inet6* in6 = inet6_of(p.a)) r.ip6_out = in6->ip6stat.localout;
  return r;
}

void report(const char* what, const MemLinkParams& lp, const BulkResult& r) {
  std::printf("%s seed %llu loss %.2f: %.3f s virtual, sent %llu rexmit %llu fastrexmit %llu rto %llu ooo %llu "
              "sackblocks %llu dupacks %llu (link: %llu lost, %llu dup, %llu reordered)\n",
              what, (unsigned long long)lp.seed, lp.loss, std::chrono::duration<double>(r.took).count(),
              (unsigned long long)r.sa.sndpack, (unsigned long long)r.sa.sndrexmitpack,
              (unsigned long long)r.sa.fastrexmit, (unsigned long long)r.sa.rexmttimeo,
              (unsigned long long)r.sb.rcvoopack, (unsigned long long)r.sb.sack_blocks_sent,
              (unsigned long long)r.sa.rcvdupack, (unsigned long long)r.link.lost,
              (unsigned long long)r.link.duplicated, (unsigned long long)r.link.reordered);
}

}  // namespace

TEST_CASE("tcp sim: 2 MB each way, byte-exact, under 0, 1 and 5 % loss with reordering and duplication, many seeds") {
  for (double loss : {0.0, 0.01, 0.05}) {
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      MemLinkParams lp;
      lp.loss = loss;
      lp.duplicate = loss > 0 ? 0.01 : 0;
      lp.reorder = loss > 0 ? 0.02 : 0;
      lp.delay = 5ms;
      lp.seed = seed;
      CAPTURE(seed);
      CAPTURE(loss);
      // Bound: 0 %: well under a second; 5 %: NewReno without SACK recovery
      // still moves > 100 kB/s at a 10 ms RTT.
      const Time limit = loss == 0 ? 500ms : loss < 0.02 ? 10s : 30s;
      BulkResult r = bulk(lp, 2 << 20, limit);
      if (!r.done || !r.exact || getenv("TCPSIM_VERBOSE")) report(r.done && r.exact ? "ok" : "FAILED", lp, r);
      CHECK(r.done);
      CHECK(r.exact);
      if (loss == 0) CHECK(r.sa.sndrexmitpack == 0);
    }
  }
}

TEST_CASE("tcp sim: 16 MB each way under 0, 1 and 5 % loss, reordering and duplication, four seeds each") {
  for (double loss : {0.0, 0.01, 0.05}) {
    for (uint64_t seed = 41; seed <= 44; ++seed) {
      MemLinkParams lp;
      lp.loss = loss;
      lp.duplicate = loss > 0 ? 0.005 : 0;
      lp.reorder = loss > 0 ? 0.01 : 0;
      lp.delay = 2ms;
      lp.seed = seed;
      CAPTURE(seed);
      CAPTURE(loss);
      // Bound in virtual time (measured: 0.33 s, up to 9 s at 1 %, 33 s at 5 %
      // for these seeds), about three times what they take.
      const Time limit = loss == 0 ? 2s : loss < 0.02 ? 30s : 90s;
      BulkResult r = bulk(lp, 16 << 20, limit);
      if (!r.done || !r.exact || getenv("TCPSIM_VERBOSE")) report(r.done && r.exact ? "16MB" : "FAILED 16MB", lp, r);
      CHECK(r.done);
      CHECK(r.exact);
      if (loss == 0) {
        CHECK(r.sa.sndrexmitpack == 0);
      } else {
        CHECK(r.sa.fastrexmit > 0);
        CHECK(r.sb.sack_blocks_sent > 0);
      }
    }
  }
}

TEST_CASE("tcp sim: 4 MB each way over IPv6 under 0, 1 and 5 % loss with reordering and duplication, byte-exact") {
  for (double loss : {0.0, 0.01, 0.05}) {
    for (uint64_t seed = 61; seed <= 62; ++seed) {
      MemLinkParams lp;
      lp.loss = loss;
      lp.duplicate = loss > 0 ? 0.01 : 0;
      lp.reorder = loss > 0 ? 0.02 : 0;
      lp.delay = 5ms;
      lp.seed = seed;
      CAPTURE(seed);
      CAPTURE(loss);
      const Time limit = loss == 0 ? 2s : loss < 0.02 ? 20s : 60s;
      BulkResult r = bulk(lp, 4 << 20, limit, AF_INET6);
      if (!r.done || !r.exact || getenv("TCPSIM_VERBOSE")) report(r.done && r.exact ? "ipv6" : "FAILED ipv6", lp, r);
      CHECK(r.done);
      CHECK(r.exact);
      // Every segment went over IPv6 (IPv4 carried nothing).
      CHECK(r.ip6_out > r.sa.sndpack);
      CHECK(r.ip_out == 0);
      if (loss == 0) {
        CHECK(r.sa.sndrexmitpack == 0);
      } else {
        CHECK(r.sa.sndrexmitpack > 0);
        CHECK(r.sb.sack_blocks_sent > 0);
      }
    }
  }
}
