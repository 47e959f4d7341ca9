// Stack: one instance of the network stack (one "host"): its domains, its
// sockets, its clock and random source, and the upcalls to whoever drives it.
// No globals: tests run several stacks side by side. Single-threaded, no I/O.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "kern/protosw.hpp"
#include "kern/socket.hpp"
#include "kern/timer.hpp"

namespace tunsock {

using Clock = std::chrono::steady_clock;
// Time (stack time, nanoseconds since the stack's epoch): kern/timer.hpp.

// The random source is injected: seeded in tests, getrandom in the daemon.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint32_t next_u32() { return static_cast<uint32_t>(gen_()); }
  uint64_t next_u64() { return gen_(); }
 private:
  std::mt19937_64 gen_;
};

struct SocketStats {
  uint64_t created = 0, freed = 0, accepted = 0, connects = 0, connect_refused = 0;
  uint64_t listen_overflows = 0;
};

// The tunables Linux keeps in sysctl (net.core.*) that change what an
// application sees. Linux's compiled-in defaults; the daemon may load the
// host's values so that programs see the same numbers under the shim.
struct NetSysctl {
  uint32_t wmem_default = 212992;  // SO_SNDBUF of a new socket
  uint32_t rmem_default = 212992;  // SO_RCVBUF of a new socket
  uint32_t wmem_max = 212992;      // setsockopt(SO_SNDBUF) clamps here (before doubling)
  uint32_t rmem_max = 212992;
  int somaxconn = 4096;            // listen() backlog limit
  // net.ipv4 tunables TCP reads (tcp_subr.cpp):
  uint32_t tcp_rmem_max = 6291456; // tcp_rmem[2]: sizes the window scale offered
  int tcp_tw_reuse = 2;            // connect may take over TIME-WAIT: 0 no, 1 yes, 2 loopback only
};

class Stack {
 public:
  explicit Stack(uint64_t seed = 1);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Time: advanced by the driver (virtual clock in tests, steady_clock in the daemon).
  Time now() const { return now_; }
  // poll fires the slots and callouts due at or before now, in time order
  // (ties: arming order), one at a time: a firing one may arm, stop or
  // destroy any other, and one armed for a time <= now fires in the same poll.
  void poll(Time now);
  Time next_deadline() const;           // slots and callouts; Time::max() when none
  Rng& rng() { return rng_; }

  // Callouts (FreeBSD callout_reset/callout_stop): fn runs from poll() once
  // now >= when. Ids are never 0 and never reused; stopping a fired or
  // unknown id returns false.
  using CalloutId = uint64_t;
  CalloutId callout_reset(Time when, std::function<void()> fn);
  bool callout_stop(CalloutId id);
  size_t callouts_pending() const { return callouts_.size(); }

  // Fixed timer slots (kern/timer.hpp): t.fn(t.arg) runs from poll() once
  // now >= when. Arming an armed slot moves it; neither arming nor stopping
  // allocates once the heap has room for every armed slot.
  void timer_arm(TimerSlot& t, Time when);
  void timer_stop(TimerSlot& t);        // no-op when not armed
  size_t timers_armed() const { return timer_heap_.size(); }

  void set_upcalls(SocketUpcalls* u) { upcalls_ = u; }
  SocketUpcalls& upcalls() { return upcalls_ ? *upcalls_ : null_upcalls_; }

  // Domains registered with this stack: each domain's attach call adds its
  // own (local_attach, inet_attach, inet6_attach), as FreeBSD's domain_add.
  void add_domain(const Domain* d) {
    if (std::find(domains_.begin(), domains_.end(), d) == domains_.end()) domains_.push_back(d);
  }
  const std::vector<const Domain*>& domains() const { return domains_; }

  // Socket registry: creation assigns so_id; sofree removes.
  Socket* alloc_socket();
  void free_socket(Socket* so);
  Socket* find_socket(uint64_t id) const;
  const std::map<uint64_t, std::unique_ptr<Socket>>& sockets() const { return sockets_; }
  SocketStats& sostat() { return sostat_; }

  // Per-domain state for domains added later (inet, inet6): the domain's
  // tables (PCB lists, routes...) live here, not in globals. Outlives every
  // socket: ~Stack closes the sockets first, so a protocol's pru_close and
  // pru_detach still reach it. nullptr when the family has none.
  void set_domain_state(int family, std::shared_ptr<void> state);
  void* domain_state(int family) const;

  // The interface layer's state (net/if.cpp: the interfaces, the packet
  // trace): opaque here like a domain's. Outlives the domains' state.
  void set_net_state(std::shared_ptr<void> state) { net_state_ = std::move(state); }
  void* net_state() const { return net_state_.get(); }

  NetSysctl& sysctl() { return sysctl_; }
  const NetSysctl& sysctl() const { return sysctl_; }

 private:
  Time now_{0};
  Rng rng_;
  SocketUpcalls* upcalls_ = nullptr;
  SocketUpcalls null_upcalls_;
  std::vector<const Domain*> domains_;
  // Callout ids and slot arming share one sequence: ties fire in arming order.
  uint64_t next_seq_ = 1;
  // Binary min-heap on (when_, seq_). Declared before the sockets and the
  // domain state, so that it is still there while their slots go.
  std::vector<TimerSlot*> timer_heap_;
  // Declared before sockets_ so that it is destroyed after them (and the
  // destructor's body closes every socket before any member goes).
  std::shared_ptr<void> net_state_;
  std::map<int, std::shared_ptr<void>> domain_state_;
  std::map<uint64_t, std::unique_ptr<Socket>> sockets_;
  uint64_t next_id_ = 1;
  SocketStats sostat_;
  NetSysctl sysctl_;
  std::multimap<Time, CalloutId> callout_q_;
  std::map<CalloutId, std::pair<Time, std::function<void()>>> callouts_;
  static bool timer_before(const TimerSlot* a, const TimerSlot* b);
  void timer_place(size_t i, TimerSlot* t);
  void timer_sift_up(size_t i);
  void timer_sift_down(size_t i);
};

}  // namespace tunsock
