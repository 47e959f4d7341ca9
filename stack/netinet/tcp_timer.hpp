// The timer slots of a TCP control block: kern/timer.hpp's TimerSlot (an
// intrusive heap entry in the Stack, so re-arming on every ACK allocates
// nothing) with the Stack it was armed on. Only tcp_timer.cpp arms and
// stops them. FreeBSD: netinet/tcp_timer.h (struct tcp_timer's callouts).
#pragma once

#include "kern/stack.hpp"
#include "kern/timer.hpp"

namespace tunsock {

// fn, arg, armed(), when() and the stop in the destructor are TimerSlot's.
struct TcpTimerSlot : TimerSlot {
  Stack* st = nullptr;
  void arm(Stack& s, Time when) {
    if (st && st != &s) st->timer_stop(*this);
    st = &s;
    s.timer_arm(*this, when);
  }
  void stop() {
    if (armed() && st) st->timer_stop(*this);  // not armed: st may be a stack already gone
  }
};

}  // namespace tunsock
