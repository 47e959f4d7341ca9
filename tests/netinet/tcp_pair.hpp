// Test support for TCP: two stacks joined by the in-memory link
// (198.18.0.1 and 198.18.0.2), an event-driven virtual clock that jumps to
// the next timer of either stack, and stream socket helpers over so*.
#pragma once

#include <functional>
#include <string>

#include "net/if_memlink.hpp"
#include "netinet/inet_fixture.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock::test {

inline constexpr uint32_t kA = 0xc6120001;  // 198.18.0.1
inline constexpr uint32_t kB = 0xc6120002;  // 198.18.0.2

struct TcpPair {
  // The link outlives both stacks: a Stack torn down with connections open
  // resets them, and those segments must find the link (and go nowhere).
  MemLink link;
  Stack a, b;
  explicit TcpPair(MemLinkParams p = {}, uint64_t sa = 11, uint64_t sb = 22) : link(p), a(sa), b(sb) {
    link.connect(a, "mem0", b, "mem0");
    REQUIRE(in_add_address(link.a(), kA, 24) == 0);
    REQUIRE(in_add_address(link.b(), kB, 24) == 0);
  }
  ~TcpPair() { link.params().loss = 1.0; }
  Time now() const { return a.now(); }
  // Advance both stacks to t, firing every timer on the way in order.
  void run_to(Time t, const std::function<bool()>& done = nullptr) {
    for (int i = 0; i < 50'000'000; ++i) {
      if (done && done()) return;
      Time next = std::min(a.next_deadline(), b.next_deadline());
      if (next > t) break;
      next = std::max(next, now());
      a.poll(next);
      b.poll(next);
    }
    if (done && done()) return;
    a.poll(t);
    b.poll(t);
  }
  void run_for(Time dt) { run_to(now() + dt); }
  // Run until done() or limit virtual time has passed; returns done().
  bool run_until(const std::function<bool()>& done, Time limit) {
    run_to(now() + limit, done);
    return done();
  }
  TcpStat& stat_a() { return tcp_globals(inet(a)).stat; }
  TcpStat& stat_b() { return tcp_globals(inet(b)).stat; }
};

inline Socket* tcp_socket(Stack& st) { return mksock(st, SOCK_STREAM, 0); }

inline Socket* tcp_listener(Stack& st, uint16_t port, int backlog = 16) {
  Socket* l = tcp_socket(st);
  REQUIRE(setopt_int(*l, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*l, sin(0, port), Td{}) == 0);
  REQUIRE(solisten(*l, backlog, Td{}) == 0);
  return l;
}

inline TcpCb* tcb(const Socket& so) { return sototcpcb(so); }
inline TcpState tstate(const Socket& so) { return tcb(so) ? tcb(so)->t_state : TcpState::CLOSED; }

// Bytes 0.. of a pattern that a test can check anywhere in a stream.
inline std::byte pattern(uint64_t i, uint64_t seed = 0) {
  uint64_t x = (i >> 8) * 0x9e3779b97f4a7c15ull + seed;
  return std::byte(uint8_t(i) ^ uint8_t(x >> 29));
}

// Write up to n bytes of the pattern from offset off; returns bytes taken.
inline size_t tcp_write(Socket& so, const Pkt& data) {
  long space = sosendspace(so);
  if (space <= 0) return 0;
  size_t n = std::min(size_t(space), data.size());
  mbuf* m = m_devget(data.data(), int(n), M_NOWAIT, true);
  return sosend(so, nullptr, m, nullptr, 0, Td{}) == 0 ? n : 0;
}

inline int tcp_send_str(Socket& so, const std::string& s) {
  mbuf* m = s.empty() ? nullptr : m_devget(s.data(), int(s.size()), M_NOWAIT, true);
  return sosend(so, nullptr, m, nullptr, 0, Td{});
}

// Read what is there (up to max); err gets soreceive's result.
inline std::string tcp_read(Socket& so, int* err = nullptr, size_t max = 1 << 20, int flags = 0) {
  std::string out(max, '\0');
  RecvArgs a;
  a.buf = reinterpret_cast<std::byte*>(out.data());
  a.len = max;
  a.flags = flags;
  int e = soreceive(so, a);
  if (err) *err = e;
  out.resize(e ? 0 : a.done);
  return out;
}

inline Socket* accept_one(Socket& l) {
  Socket* so = soaccept_dequeue(l);
  if (so) soaccept(*so, nullptr);
  return so;
}

// A connected pair: client on a, server (accepted) on b.
struct Conn {
  Socket* cli = nullptr;
  Socket* srv = nullptr;
  Socket* lis = nullptr;
};

inline Conn tcp_connect_pair(TcpPair& p, uint16_t port = 80) {
  Conn c;
  c.lis = tcp_listener(p.b, port);
  c.cli = tcp_socket(p.a);
  REQUIRE(soconnect(*c.cli, sin(kB, port), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (c.cli->so_state & SS_ISCONNECTED) && !c.lis->so_comp.empty(); },
                      std::chrono::seconds(200)));
  c.srv = accept_one(*c.lis);
  REQUIRE(c.srv);
  return c;
}

}  // namespace tunsock::test
