// Stack: the socket registry, the timers that poll() drives (callouts with a
// closure, fixed slots in an intrusive heap), and the domains their attach
// calls register. One instance per simulated host.
// FreeBSD: the globals of uipc_socket.c (socket zone), kern_timeout.c (callouts).
#include "kern/stack.hpp"

namespace tunsock {

// No domain yet: each is added by its attach call (local_attach, inet_attach...).
Stack::Stack(uint64_t seed) : rng_(seed) {}

Stack::~Stack() {
  upcalls_ = nullptr;
  // Close what is still open (the last reference is gone with the stack),
  // then free whatever a protocol still held.
  for (bool progress = true; progress && !sockets_.empty();) {
    progress = false;
    for (auto& [id, so] : sockets_) {
      if (!(so->so_state & SS_NOFDREF) && !so->so_head) {
        soclose(*so);  // may erase entries: restart the scan
        progress = true;
        break;
      }
    }
  }
  while (!sockets_.empty()) {
    Socket& so = *sockets_.begin()->second;
    if (so.so_pcb) so.so_proto->pr_usrreqs.pru_abort(so);
    if (so.so_pcb) so.so_proto->pr_usrreqs.pru_detach(so);
    so.so_state |= SS_NOFDREF;
    so.so_pcb = nullptr;
    sofree(so);
  }
  callouts_.clear();
  callout_q_.clear();
  // Slots that outlive the stack must not reach back into it.
  for (TimerSlot* t : timer_heap_) {
    t->heap_idx_ = TimerSlot::kNotArmed;
    t->stack_ = nullptr;
  }
  timer_heap_.clear();
}

TimerSlot::~TimerSlot() {
  if (armed() && stack_) stack_->timer_stop(*this);
}

Socket* Stack::alloc_socket() {
  auto so = std::make_unique<Socket>();
  so->so_id = next_id_++;
  so->so_stack = this;
  Socket* p = so.get();
  sockets_.emplace(p->so_id, std::move(so));
  ++sostat_.created;
  return p;
}

void Stack::free_socket(Socket* so) {
  if (!so) return;
  if (sockets_.erase(so->so_id)) ++sostat_.freed;
}

Socket* Stack::find_socket(uint64_t id) const {
  auto it = sockets_.find(id);
  return it == sockets_.end() ? nullptr : it->second.get();
}

void Stack::set_domain_state(int family, std::shared_ptr<void> state) {
  if (state) domain_state_[family] = std::move(state);
  else domain_state_.erase(family);
}

void* Stack::domain_state(int family) const {
  auto it = domain_state_.find(family);
  return it == domain_state_.end() ? nullptr : it->second.get();
}

// --- callouts ---

Stack::CalloutId Stack::callout_reset(Time when, std::function<void()> fn) {
  CalloutId id = next_seq_++;
  callouts_.emplace(id, std::make_pair(when, std::move(fn)));
  callout_q_.emplace(when, id);
  return id;
}

bool Stack::callout_stop(CalloutId id) {
  auto it = callouts_.find(id);
  if (it == callouts_.end()) return false;
  auto [lo, hi] = callout_q_.equal_range(it->second.first);
  for (auto q = lo; q != hi; ++q)
    if (q->second == id) {
      callout_q_.erase(q);
      break;
    }
  callouts_.erase(it);
  return true;
}

// --- timer slots: a binary min-heap of pointers, each slot knowing its index ---

bool Stack::timer_before(const TimerSlot* a, const TimerSlot* b) {
  return a->when_ != b->when_ ? a->when_ < b->when_ : a->seq_ < b->seq_;
}

void Stack::timer_place(size_t i, TimerSlot* t) {
  timer_heap_[i] = t;
  t->heap_idx_ = i;
}

void Stack::timer_sift_up(size_t i) {
  TimerSlot* t = timer_heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!timer_before(t, timer_heap_[parent])) break;
    timer_place(i, timer_heap_[parent]);
    i = parent;
  }
  timer_place(i, t);
}

void Stack::timer_sift_down(size_t i) {
  const size_t n = timer_heap_.size();
  TimerSlot* t = timer_heap_[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && timer_before(timer_heap_[c + 1], timer_heap_[c])) c++;
    if (!timer_before(timer_heap_[c], t)) break;
    timer_place(i, timer_heap_[c]);
    i = c;
  }
  timer_place(i, t);
}

void Stack::timer_arm(TimerSlot& t, Time when) {
  if (t.armed() && t.stack_ != this) t.stack_->timer_stop(t);  // moved to another stack
  t.when_ = when;
  t.seq_ = next_seq_++;
  if (t.armed()) {
    // Re-arm in place: the later sequence number can only push it down on
    // equal times, an earlier time only up.
    size_t i = t.heap_idx_;
    timer_sift_up(i);
    if (t.heap_idx_ == i) timer_sift_down(i);
    return;
  }
  t.stack_ = this;
  timer_heap_.push_back(&t);
  t.heap_idx_ = timer_heap_.size() - 1;
  timer_sift_up(t.heap_idx_);
}

void Stack::timer_stop(TimerSlot& t) {
  if (!t.armed() || t.stack_ != this) return;
  size_t i = t.heap_idx_;
  TimerSlot* last = timer_heap_.back();
  timer_heap_.pop_back();
  t.heap_idx_ = TimerSlot::kNotArmed;
  t.stack_ = nullptr;
  if (last == &t) return;
  timer_place(i, last);
  timer_sift_up(i);
  if (last->heap_idx_ == i) timer_sift_down(i);
}

void Stack::poll(Time now) {
  if (now > now_) now_ = now;
  // One at a time, earliest first over both kinds: a firing one may arm,
  // stop or free others (the heap and queue are looked at afresh each time).
  for (;;) {
    bool have_c = !callout_q_.empty() && callout_q_.begin()->first <= now_;
    bool have_t = !timer_heap_.empty() && timer_heap_.front()->when_ <= now_;
    if (!have_c && !have_t) break;
    if (have_t && have_c) {
      const TimerSlot* t = timer_heap_.front();
      auto [cw, cid] = *callout_q_.begin();
      have_c = cw != t->when_ ? cw < t->when_ : cid < t->seq_;
    }
    if (!have_c) {
      TimerSlot* t = timer_heap_.front();
      timer_stop(*t);
      if (t->fn) t->fn(t->arg);  // t may be re-armed or gone after this
      continue;
    }
    CalloutId id = callout_q_.begin()->second;
    callout_q_.erase(callout_q_.begin());
    auto it = callouts_.find(id);
    if (it == callouts_.end()) continue;
    std::function<void()> fn = std::move(it->second.second);
    callouts_.erase(it);
    if (fn) fn();
  }
}

Time Stack::next_deadline() const {
  Time d = callout_q_.empty() ? Time::max() : callout_q_.begin()->first;
  if (!timer_heap_.empty()) d = std::min(d, timer_heap_.front()->when_);
  return d;
}

}  // namespace tunsock
