// Stack: one instance of the network stack (one "host"): its domains, its
// sockets, its clock and random source, and the upcalls to whoever drives it.
// No globals: tests run several stacks side by side. Single-threaded, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "kern/protosw.hpp"
#include "kern/socket.hpp"

namespace tunsock {

using Clock = std::chrono::steady_clock;
using Time = std::chrono::nanoseconds;  // stack time: nanoseconds since the stack's epoch

// The random source is injected: seeded in tests, getrandom in the daemon.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint32_t next_u32() { return static_cast<uint32_t>(gen_()); }
  uint64_t next_u64() { return gen_(); }
 private:
  std::mt19937_64 gen_;
};

struct LocalDomainState;  // local/uipc_usrreq.cpp

struct SocketStats {
  uint64_t created = 0, freed = 0, accepted = 0, connects = 0, connect_refused = 0;
  uint64_t listen_overflows = 0;
};

class Stack {
 public:
  explicit Stack(uint64_t seed = 1);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Time: advanced by the driver (virtual clock in tests, steady_clock in the daemon).
  Time now() const { return now_; }
  void poll(Time now);                  // fire timers due at or before now
  Time next_deadline() const;           // Time::max() when none
  Rng& rng() { return rng_; }

  void set_upcalls(SocketUpcalls* u) { upcalls_ = u; }
  SocketUpcalls& upcalls() { return upcalls_ ? *upcalls_ : null_upcalls_; }

  // Domains registered with this stack (local always; inet from the next issue).
  void add_domain(const Domain* d) { domains_.push_back(d); }
  const std::vector<const Domain*>& domains() const { return domains_; }

  // Socket registry: creation assigns so_id; sofree removes.
  Socket* alloc_socket();
  void free_socket(Socket* so);
  Socket* find_socket(uint64_t id) const;
  const std::map<uint64_t, std::unique_ptr<Socket>>& sockets() const { return sockets_; }
  SocketStats& sostat() { return sostat_; }

  LocalDomainState& local();            // created on first use

 private:
  Time now_{0};
  Rng rng_;
  SocketUpcalls* upcalls_ = nullptr;
  SocketUpcalls null_upcalls_;
  std::vector<const Domain*> domains_;
  std::map<uint64_t, std::unique_ptr<Socket>> sockets_;
  uint64_t next_id_ = 1;
  SocketStats sostat_;
  std::unique_ptr<LocalDomainState, void (*)(LocalDomainState*)> local_{nullptr, nullptr};
};

}  // namespace tunsock
