// Stack: the socket registry, the callout list that poll() drives, and the
// domains registered at construction. One instance per simulated host.
// FreeBSD: the globals of uipc_socket.c (socket zone), kern_timeout.c (callouts).
#include "kern/stack.hpp"

#include "local/uipc_usrreq.hpp"

namespace tunsock {

Stack::Stack(uint64_t seed) : rng_(seed) { add_domain(&localdomain); }

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

LocalDomainState& Stack::local() {
  if (!local_) local_ = {local_state_create(), local_state_destroy};
  return *local_;
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
  CalloutId id = next_callout_++;
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

void Stack::poll(Time now) {
  if (now > now_) now_ = now;
  // One at a time: a callout may reset or stop others.
  while (!callout_q_.empty() && callout_q_.begin()->first <= now_) {
    CalloutId id = callout_q_.begin()->second;
    callout_q_.erase(callout_q_.begin());
    auto it = callouts_.find(id);
    if (it == callouts_.end()) continue;
    std::function<void()> fn = std::move(it->second.second);
    callouts_.erase(it);
    if (fn) fn();
  }
}

Time Stack::next_deadline() const { return callout_q_.empty() ? Time::max() : callout_q_.begin()->first; }

}  // namespace tunsock
