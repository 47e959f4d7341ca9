// The stack packetdrill drives through libtunsock-packetdrill.so: one Stack
// (inet attached) with one point-to-point interface "pd0" whose output is
// queued for netdev_receive, a virtual clock, and the waiting rules that let
// packetdrill's two threads (the main one, which injects and sniffs packets
// and moves time; the system-call one, which makes blocking calls) share it.
//
// Time. The stack's clock moves only here: usleep(n) moves it n us, firing
// timers as they fall due; every gettimeofday moves it 1 us (packetdrill
// spins on gettimeofday for the last few microseconds before an event);
// netdev_receive with nothing queued moves it to the stack's next timer
// until the stack sends something.
//
// Threads. One mutex (mu_) around the stack, which is single-threaded. A
// blocking call that must wait registers a Waiter (what it waits for, and
// until when) and sleeps on cv_; whoever changed the stack notifies cv_.
// Before the main thread moves time, it settles: it waits until no call is
// running inside the adapter and no registered waiter could proceed, so a
// call woken by an injected packet finishes (and sends) at the virtual time
// it was woken, as on a real kernel. A call that blocked counts as running
// until its thread has read the clock once more (packetdrill's system-call
// thread stamps a blocking call's end with gettimeofday right after it
// returns): a poll timeout then ends exactly at its deadline, never at
// whatever time the main thread moved on to meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kern/socket.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"

namespace tunsock::pd {

struct Config {
  uint32_t addr = 0;  // host order
  int plen = 0;
  uint32_t gateway = 0;  // 0: the next address after addr in its prefix
  uint32_t mtu = 1500;
  uint64_t seed = 1;
};

// Parse --so_flags ("ip=198.18.0.1/16,gw=198.18.0.2,mtu=1500,seed=7"):
// true, or false with *err saying which pair is wrong.
bool parse_flags(const std::string& flags, Config* c, std::string* err);

// The epoch of the virtual wall clock (gettimeofday at stack time 0).
inline constexpr int64_t kEpochUs = 1'700'000'000'000'000;

class Host {
 public:
  explicit Host(const Config& c);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // The descriptor table: numbers are real descriptors (fd_alloc); -1 with
  // errno when none is left.
  struct Fd {
    Socket* so = nullptr;
    bool nonblock = false;
    // A nonblocking connect said EINPROGRESS and nobody has called connect
    // since (Linux's sock->state SS_CONNECTING): the next connect on the
    // established socket returns 0 once, later ones EISCONN.
    bool connect_pending = false;
  };

  // Held for the whole of one call from packetdrill; counts the call as
  // running (see settle()).
  class Call {
   public:
    explicit Call(Host& h);
    ~Call();
    std::unique_lock<std::mutex>& lock() { return lk_; }
   private:
    Host& h_;
    std::unique_lock<std::mutex> lk_;
  };

  Stack& stack() { return st_; }
  Fd* fd(int n);
  int fd_alloc(Socket* so, bool nonblock);
  void fd_free(int n);
  const std::map<int, Fd>& fds() const { return fds_; }

  // Sleep (inside a Call) until ready() or, when until != Time::max(), the
  // virtual clock reaches until. Returns ready().
  bool block(Call& c, const std::function<bool()>& ready, Time until = Time::max());

  // How many calls sleep in block() (for tests).
  size_t waiting();

  // Main thread: the entry points that move time.
  int netdev_send(const void* buf, size_t n);
  int netdev_receive(void* buf, size_t* n, long long* time_us);
  void usleep(int64_t us);
  int64_t gettimeofday_us();

 private:
  struct Waiter {
    const std::function<bool()>* ready;
    Time until;
  };
  void settle(std::unique_lock<std::mutex>& lk);
  bool runnable() const;
  Time next_event() const;  // the stack's next timer or a waiter's deadline
  void advance_to(std::unique_lock<std::mutex>& lk, Time t);
  void changed() { cv_.notify_all(); }

  std::mutex mu_;
  std::condition_variable cv_;
  // Calls inside the adapter (counted before they take mu_), less those
  // asleep in block().
  std::atomic<int> running_{0};
  std::vector<Waiter*> waiters_;
  // The thread whose blocking call just returned and has not read the
  // clock since (none: std::thread::id{}), and since when (real time: a
  // thread that never reads it holds time still for at most kReturnWait).
  std::thread::id returning_{};
  std::chrono::steady_clock::time_point returning_since_{};
  Stack st_;
  ifnet* ifp_ = nullptr;
  struct Out {
    std::vector<std::byte> bytes;
    Time at;
  };
  std::deque<Out> out_;
  std::map<int, Fd> fds_;
};

}  // namespace tunsock::pd
