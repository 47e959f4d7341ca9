// The timer slots of a TCP control block. TEMPORARY form until contract B
// (kern/timer.hpp TimerSlot, Stack::timer_arm/timer_stop) is in main: a slot
// here rides on a Stack callout. Only tcp_timer.cpp arms and stops them.
// FreeBSD: netinet/tcp_timer.h (struct tcp_timer's callouts).
#pragma once

#include "kern/stack.hpp"

namespace tunsock {

struct TcpTimerSlot {
  void (*fn)(void* arg) = nullptr;
  void* arg = nullptr;
  Stack::CalloutId id = 0;
  Stack* st = nullptr;
  Time at{0};
  bool armed() const { return id != 0; }
  Time when() const { return at; }
  TcpTimerSlot() = default;
  TcpTimerSlot(const TcpTimerSlot&) = delete;
  TcpTimerSlot& operator=(const TcpTimerSlot&) = delete;
  ~TcpTimerSlot() { stop(); }
  void arm(Stack& s, Time when) {
    stop();
    st = &s;
    at = when;
    id = s.callout_reset(when, [this] {
      id = 0;
      fn(arg);
    });
  }
  void stop() {
    if (id && st) st->callout_stop(id);
    id = 0;
  }
};

}  // namespace tunsock
