// tunsockd's core (see daemon.hpp): stack clock and timer, upcalls turned
// into channel work, socket close and the listener sweep, orderly shutdown.
#include "daemon/daemon.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "daemon/channel.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/inet_setup.hpp"
#include "daemon/log.hpp"
#include "daemon/rights.hpp"
#include "local/uipc_usrreq.hpp"

namespace tunsock::daemon {

uint64_t random_u64() {
  uint64_t v = 0;
  if (::getrandom(&v, sizeof v, 0) != ssize_t(sizeof v))
    v = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) ^ (uint64_t(::getpid()) << 32);
  return v;
}

namespace {

// One number from a /proc/sys file, or fallback.
uint64_t proc_number(const char* path, uint64_t fallback) {
  FILE* f = std::fopen(path, "re");
  if (!f) return fallback;
  unsigned long long v = 0;
  const bool ok = std::fscanf(f, "%llu", &v) == 1;
  std::fclose(f);
  return ok ? v : fallback;
}

// The host's net.core tunables, so that programs read the same buffer sizes
// and backlog limits under the shim as on the kernel.
void load_host_sysctl(NetSysctl& n) {
  n.wmem_default = uint32_t(proc_number("/proc/sys/net/core/wmem_default", n.wmem_default));
  n.rmem_default = uint32_t(proc_number("/proc/sys/net/core/rmem_default", n.rmem_default));
  n.wmem_max = uint32_t(proc_number("/proc/sys/net/core/wmem_max", n.wmem_max));
  n.rmem_max = uint32_t(proc_number("/proc/sys/net/core/rmem_max", n.rmem_max));
  n.somaxconn = int(proc_number("/proc/sys/net/core/somaxconn", uint64_t(n.somaxconn)));
  n.tcp_tw_reuse = int(proc_number("/proc/sys/net/ipv4/tcp_tw_reuse", uint64_t(n.tcp_tw_reuse)));
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/tcp_rmem", "re")) {  // "min default max"
    unsigned long lo = 0, def = 0, hi = 0;
    if (std::fscanf(f, "%lu %lu %lu", &lo, &def, &hi) == 3 && hi > 0) n.tcp_rmem_max = uint32_t(hi);
    std::fclose(f);
  }
}

}  // namespace

Daemon::Daemon(asio::io_context& io, Config cfg)
    : io_(io), cfg_(std::move(cfg)), timer_(io), sweep_timer_(io), signals_(io), epoch_(Clock::now()) {
  // The instance id goes into abstract channel names: keep it short.
  instance_ = random_u64() & 0xffffffffffffull;
  stack_ = std::make_unique<Stack>(random_u64());
  local_attach(*stack_);  // the local domain (inet's comes with InetSetup)
  load_host_sysctl(stack_->sysctl());
  stack_->set_upcalls(this);
  disp_ = std::make_unique<Dispatcher>(*this);
  ctl_ = std::make_unique<ControlServer>(io_, cfg_.socket_path, cfg_.owner_uid,
                                         [this](CtlRequest& q, CtlReply& r) { (*disp_)(q, r); });
  inet_ = std::make_unique<InetSetup>(*this);
}

Daemon::~Daemon() {
  stop();
  chans_.clear();
  stack_->set_upcalls(nullptr);
}

int Daemon::start() {
  // Interfaces first: no program should see a half-configured stack.
  if (int e = inet_->start()) return e;
  if (int e = ctl_->open()) {
    logger("main")->error("cannot listen on {}: {}", cfg_.socket_path, std::strerror(e));
    return e;
  }
  started_ = true;
  logger("main")->info("tunsockd pid {} instance {:x} serving uid {}", ::getpid(), instance_, cfg_.owner_uid);
  arm_sweep();
  settle();
  return 0;
}

void Daemon::handle_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  ::signal(SIGPIPE, SIG_IGN);
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    logger("main")->info("signal {}: shutting down", sig);
    stop();
    io_.stop();  // whatever is still pending dies with the process
  });
}

void Daemon::stop() {
  if (stopped_) return;
  stopped_ = true;
  ctl_->close();
  boost::system::error_code ec;
  timer_.cancel();
  sweep_timer_.cancel();
  signals_.cancel(ec);
  // Close every socket the applications hold; queued connections go with
  // their listeners.
  std::vector<uint64_t> ids;
  for (auto& [id, c] : chans_) ids.push_back(id);
  for (uint64_t id : ids) {
    auto c = chan(id);
    Socket* so = c ? c->so() : nullptr;
    if (so && !so->so_head) close_socket(*so, "daemon exit");
  }
  for (auto& [id, c] : chans_) c->on_freed();  // close what is left
  chans_.clear();
  inet_->stop();
  if (started_) logger("main")->info("stopped");
}

std::shared_ptr<Chan> Daemon::chan(uint64_t so_id) const {
  auto it = chans_.find(so_id);
  return it == chans_.end() ? nullptr : it->second;
}

std::shared_ptr<Chan> Daemon::add_chan(Socket& so) {
  auto c = std::make_shared<Chan>(*this, so);
  chans_[so.so_id] = c;
  return c;
}

void Daemon::forget_chan(uint64_t so_id) {
  auto it = chans_.find(so_id);
  if (it == chans_.end()) return;
  it->second->on_freed();
  chans_.erase(it);
}

std::shared_ptr<Chan> Daemon::chan_by_inode(uint64_t ino) const {
  if (ino == 0) return nullptr;
  for (auto& [id, c] : chans_)
    if (c->so() && (c->inode() == ino || (c->listening() && c->listener_inode() == ino) ||
                    (c->unconnected() && c->app_inode() == ino)))
      return c;
  return nullptr;
}

void Daemon::close_socket(Socket& so, const char* why) {
  const uint64_t id = so.so_id;
  logger("socket")->info("socket {}: closed ({})", id, why);
  // A delivered connection still on its listener's queue: take it off as
  // accept would, then close (the application dropped it unaccepted).
  if (Socket* head = so.so_head; head && so.so_onqueue_comp) {
    auto& q = head->so_comp;
    if (auto it = std::find(q.begin(), q.end(), &so); it != q.end()) {
      q.erase(it);
      q.push_front(&so);
      if (soaccept_dequeue(*head) == &so) soaccept(so, nullptr);
    }
  }
  if (auto c = chan(id)) {
    // The application left data unread in its end of the channel: Linux
    // resets the peer in that case (the stack does, given so_rcv_unread).
    if (c->app_left_unread()) so.so_rcv_unread = true;
    c->mark_closed();
    c->close_channel();
  }
  soclose(so);  // may free so (so_freed upcall)
  // The socket stays in the stack while the protocol finishes; the channel
  // is gone either way.
  asio::post(io_, [this, id] {
    auto c = chan(id);
    if (c && !c->so()) chans_.erase(id);
  });
}

void Daemon::take_connections() {
  std::vector<std::weak_ptr<Chan>> still;
  for (auto& w : connecting_)
    if (auto c = w.lock(); c && !c->take_connection()) still.push_back(w);
  connecting_.swap(still);
}

namespace {
bool same_addr(const SockAddr& a, const SockAddr& b) {
  return a.len == b.len && a.len > 0 && std::memcmp(&a.ss, &b.ss, a.len) == 0;
}
}  // namespace

bool Daemon::awaits_join(Socket& s, std::weak_ptr<Chan> waiter) {
  if (connecting_.empty()) return false;
  SockAddr mine, peer;
  if (sogetsockname(s, &mine) || sogetpeername(s, &peer) || mine.family() == AF_UNIX) return false;
  for (auto& w : connecting_) {
    auto c = w.lock();
    Socket* cs = c ? c->so() : nullptr;
    if (!cs || !c->connecting() || !(cs->so_state & SS_ISCONNECTED)) continue;
    SockAddr cmine, cpeer;
    if (sogetsockname(*cs, &cmine) || sogetpeername(*cs, &cpeer)) continue;
    if (same_addr(cmine, peer) && same_addr(cpeer, mine)) {
      join_waiters_.push_back(std::move(waiter));
      return true;
    }
  }
  return false;
}

void Daemon::joined() {
  std::vector<std::weak_ptr<Chan>> w;
  w.swap(join_waiters_);
  for (auto& x : w)
    if (auto c = x.lock()) c->kick();
}

void Daemon::run_pending() {
  // Pumps may schedule others (a close reaches the peer): a few rounds.
  for (int round = 0; round < 16 && !pending_.empty(); ++round) {
    std::vector<std::weak_ptr<Chan>> now;
    now.swap(pending_);
    for (auto& w : now)
      if (auto c = w.lock()) c->run_scheduled();
  }
}

void Daemon::tick() {
  stack_->poll(std::chrono::duration_cast<Time>(Clock::now() - epoch_));
}

void Daemon::settle() {
  if (stopped_) return;
  const Time next = stack_->next_deadline();
  if (next == armed_) return;
  armed_ = next;
  if (next == Time::max()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(epoch_ + std::chrono::duration_cast<Clock::duration>(next));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    armed_ = Time::max();
    on_timer();
  });
}

void Daemon::on_timer() {
  tick();
  settle();
}

void Daemon::arm_sweep() {
  if (stopped_) return;
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    sweep();
    arm_sweep();
  });
}

// Listeners closed in the application without a Closed hint (e.g. the
// process died): their kernel socket is gone.
void Daemon::sweep() {
  tick();
  std::vector<std::shared_ptr<Chan>> gone;
  for (auto& [id, c] : chans_)
    if (c->so() && c->listening() && c->listener_gone()) gone.push_back(c);
  for (auto& c : gone)
    if (c->so()) close_socket(*c->so(), "listener closed");
  gone.clear();
  for (auto& [id, c] : chans_)
    if (c->so() && !c->listening() && !c->closed() && (c->app_end_gone() || c->unconnected_gone()))
      gone.push_back(c);
  for (auto& c : gone)
    if (c->so()) close_socket(*c->so(), "last close");
  settle();
}

// --- upcalls: never re-enter the stack here, schedule channel work ---

void Daemon::so_readable(Socket& so) {
  if (auto* c = static_cast<Chan*>(so.so_upcallarg)) c->kick();
}
void Daemon::so_writable(Socket& so) {
  if (auto* c = static_cast<Chan*>(so.so_upcallarg)) {
    c->wake_waiters();  // a blocking connect or send told EAGAIN may retry
    c->kick();
  }
}
void Daemon::so_statechange(Socket& so) {
  if (auto* c = static_cast<Chan*>(so.so_upcallarg)) {
    c->note_state();
    c->kick();
  }
}
void Daemon::so_freed(Socket& so) {
  logger("socket")->debug("socket {}: freed", so.so_id);
  if (auto* c = static_cast<Chan*>(so.so_upcallarg)) {
    c->on_freed();
    so.so_upcallarg = nullptr;
    const uint64_t id = so.so_id;
    asio::post(io_, [this, id] {
      auto it = chans_.find(id);
      if (it != chans_.end() && !it->second->so()) chans_.erase(it);
    });
  }
}

// Rights nobody will receive (the receiver closed, or shut down reading):
// the daemon's copies of the passed fds are the last references it holds.
void Daemon::so_dispose_rights(mbuf* control) {
  std::vector<int> fds;
  append_rights(control, fds);
  for (int fd : fds) ::close(fd);
}

std::string Daemon::stats_text() const {
  std::ostringstream os;
  os << mbuf_stats_text() << "\n" << inet_->stats_text() << "\n";
  auto& st = stack_->sostat();
  os << "sockets: " << st.created << " created, " << st.freed << " freed, " << st.accepted << " accepted, "
     << st.connects << " connects, " << st.connect_refused << " refused, " << st.listen_overflows
     << " listen overflows\n";
  auto& cs = ctl_->stats();
  os << "control: " << ctl_->connections() << " connections, " << cs.accepted << " accepted, " << cs.rejected
     << " rejected, " << cs.requests << " requests, " << cs.bad_records << " bad records, " << cs.dropped_fds
     << " fds dropped\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-6s %-10s %-6s %8s %8s  %-30s %s\n", "Id", "Type", "State", "Recv-Q",
                "Send-Q", "Local", "Peer");
  os << line;
  for (auto& [id, so] : stack_->sockets()) {
    const char* state = (so->so_options & SOF_ACCEPTCONN) ? "LISTEN"
                        : (so->so_state & SS_ISCONNECTED) ? "ESTAB"
                        : (so->so_state & SS_ISCONNECTING) ? "SYN"
                                                            : "UNCONN";
    SockAddr local, peer;
    sogetsockname(*so, &local);
    if (so->so_state & SS_ISCONNECTED) sogetpeername(*so, &peer);
    std::snprintf(line, sizeof line, "%-6llu %-10s %-6s %8u %8u  %-30s %s\n", (unsigned long long)id,
                  socktype_name(so->so_type), state,
                  (so->so_options & SOF_ACCEPTCONN) ? unsigned(so->so_qlen) : so->so_rcv.sb_cc,
                  (so->so_options & SOF_ACCEPTCONN) ? unsigned(so->so_qlimit) : so->so_snd.sb_cc,
                  sockaddr_text(local).c_str(), sockaddr_text(peer).c_str());
    os << line;
  }
  return os.str();
}

}  // namespace tunsock::daemon
