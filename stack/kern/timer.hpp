// Fixed timer slots: a timer embedded in its owner (a TCP control block keeps
// one per timer), armed and stopped through the Stack's one clock. The Stack
// keeps armed slots in an intrusive binary min-heap (the slot holds its heap
// index), so arming, re-arming and stopping are O(log n) and allocate nothing
// once the heap's vector has grown to the number of armed slots.
// FreeBSD: struct callout embedded in struct tcpcb (sys/sys/_callout.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tunsock {

using Time = std::chrono::nanoseconds;  // stack time: nanoseconds since the stack's epoch
class Stack;

struct TimerSlot {
  void (*fn)(void* arg) = nullptr;  // set once by the owner
  void* arg = nullptr;

  TimerSlot() = default;
  TimerSlot(void (*f)(void*), void* a) : fn(f), arg(a) {}
  ~TimerSlot();
  // The heap points at the slot: it cannot move while armed, so it never moves.
  TimerSlot(const TimerSlot&) = delete;
  TimerSlot& operator=(const TimerSlot&) = delete;

  bool armed() const { return heap_idx_ != kNotArmed; }
  Time when() const { return when_; }  // valid while armed

 private:
  friend class Stack;
  static constexpr size_t kNotArmed = ~size_t(0);
  size_t heap_idx_ = kNotArmed;
  Time when_{0};
  uint64_t seq_ = 0;        // arming order: ties fire in it
  Stack* stack_ = nullptr;  // the Stack whose heap holds it, while armed
};

}  // namespace tunsock
