// The packetdrill host: stack, interface, virtual clock, waiting (see pd_host.hpp).
#include "packetdrill/pd_host.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace tunsock::pd {

namespace {

bool parse_u32(const std::string& s, uint32_t* out) {
  if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  uint64_t v = std::stoull(s);
  if (v > 0xffffffffu) return false;
  *out = uint32_t(v);
  return true;
}

Time us(int64_t n) { return std::chrono::microseconds(n); }

}  // namespace

bool parse_flags(const std::string& flags, Config* c, std::string* err) {
  std::stringstream ss(flags);
  std::string pair;
  bool have_ip = false;
  while (std::getline(ss, pair, ',')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string::npos) {
      *err = "'" + pair + "' is not key=value";
      return false;
    }
    std::string k = pair.substr(0, eq), v = pair.substr(eq + 1);
    uint32_t n = 0;
    if (k == "ip") {
      auto slash = v.find('/');
      if (slash == std::string::npos || !inet_pton4(v.substr(0, slash), &c->addr) ||
          !parse_u32(v.substr(slash + 1), &n) || n > 32) {
        *err = "ip=" + v + ": want ADDR/PREFIX (IPv4)";
        return false;
      }
      c->plen = int(n);
      have_ip = true;
    } else if (k == "gw") {
      if (!inet_pton4(v, &c->gateway)) {
        *err = "gw=" + v + ": want an IPv4 address";
        return false;
      }
    } else if (k == "mtu") {
      if (!parse_u32(v, &n) || n < 576 || n > 65535) {
        *err = "mtu=" + v + ": want 576..65535";
        return false;
      }
      c->mtu = n;
    } else if (k == "seed") {
      if (!parse_u32(v, &n)) {
        *err = "seed=" + v + ": want a number";
        return false;
      }
      c->seed = n;
    } else {
      *err = "unknown key '" + k + "' (keys: ip=ADDR/PREFIX, gw=ADDR, mtu=N, seed=N)";
      return false;
    }
  }
  if (!have_ip) {
    *err = "ip=ADDR/PREFIX is required";
    return false;
  }
  if (c->plen == 32 || c->plen == 0) {
    *err = "ip=: the prefix must leave room for a gateway (1..31)";
    return false;
  }
  return true;
}

Host::Host(const Config& c) : st_(c.seed) {
  inet_attach(st_);
  ifp_ = &if_attach(st_, "pd0", c.mtu, IFF_POINTOPOINT, [this](ifnet&, mbuf* m) {
    Out o;
    o.bytes.resize(size_t(m_length(m)));
    m_copydata(m, 0, int(o.bytes.size()), o.bytes.data());
    o.at = st_.now();
    out_.push_back(std::move(o));
    m_freem(m);
    return 0;
  });
  in_add_address(*ifp_, c.addr, c.plen);
  // The default route goes out of pd0; on a point-to-point link its gateway
  // is nominal (nothing is resolved), so it defaults to the next address.
  uint32_t mask = ~uint32_t(0) << (32 - c.plen);
  uint32_t gw = c.gateway ? c.gateway : ((c.addr & mask) | ((c.addr + 1) & ~mask));
  if (gw == c.addr) gw = (c.addr & mask) | 1;
  route_set_default(st_, gw);
}

Host::~Host() {
  // Sockets packetdrill closed with libc's close() (see fd_alloc) are still
  // open here; their descriptors are gone already.
  std::unique_lock lk(mu_);
  for (auto& [n, f] : fds_) soclose(*f.so);
  fds_.clear();
}

Host::Call::Call(Host& h) : h_(h) {
  ++h_.running_;
  lk_ = std::unique_lock(h_.mu_);
}

Host::Call::~Call() {
  --h_.running_;
  h_.changed();
}

Host::Fd* Host::fd(int n) {
  auto it = fds_.find(n);
  return it == fds_.end() ? nullptr : &it->second;
}

// Our numbers are real descriptors of the process (on /dev/null): at the
// end of a script packetdrill closes its sockets with libc's close(), not
// through the table, and a number must not name another open file.
int Host::fd_alloc(Socket* so, bool nonblock) {
  int n = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (n < 0) return -1;
  fds_[n] = Fd{so, nonblock};
  return n;
}

void Host::fd_free(int n) {
  fds_.erase(n);
  ::close(n);
}

bool Host::block(Call& c, const std::function<bool()>& ready, Time until) {
  Waiter w{&ready, until};
  waiters_.push_back(&w);
  while (!ready() && st_.now() < until) {
    --running_;
    changed();
    cv_.wait(c.lock());
    ++running_;
  }
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &w));
  returning_ = std::this_thread::get_id();  // time stands still until it stamps its end
  returning_since_ = std::chrono::steady_clock::now();
  return ready();
}

size_t Host::waiting() {
  std::unique_lock lk(mu_);
  return waiters_.size();
}

bool Host::runnable() const {
  if (running_ > 0) return true;
  if (returning_ != std::thread::id{} && returning_ != std::this_thread::get_id()) return true;
  for (const Waiter* w : waiters_)
    if ((*w->ready)() || st_.now() >= w->until) return true;
  return false;
}

void Host::settle(std::unique_lock<std::mutex>& lk) {
  constexpr auto kReturnWait = std::chrono::seconds(1);
  while (!cv_.wait_for(lk, std::chrono::milliseconds(50), [this] { return !runnable(); })) {
    if (returning_ != std::thread::id{} && std::chrono::steady_clock::now() - returning_since_ > kReturnWait)
      returning_ = std::thread::id{};  // it never read the clock (not packetdrill's thread): go on
  }
}

Time Host::next_event() const {
  Time t = st_.next_deadline();
  for (const Waiter* w : waiters_) t = std::min(t, w->until);
  return t;
}

// Move the clock to t, stopping at each timer on the way so that what it
// sends is stamped with its own time and what it wakes runs then.
void Host::advance_to(std::unique_lock<std::mutex>& lk, Time t) {
  for (int guard = 0; guard < 1'000'000; ++guard) {
    settle(lk);
    Time step = std::max(st_.now(), std::min(t, next_event()));
    st_.poll(step);
    changed();
    if (st_.now() >= t && st_.next_deadline() > st_.now()) break;
  }
  settle(lk);
}

int Host::netdev_send(const void* buf, size_t n) {
  std::unique_lock lk(mu_);
  settle(lk);
  if_input_bytes(*ifp_, buf, n);
  st_.poll(st_.now());  // zero-delay work (loopback, deferred output)
  changed();
  return 0;
}

// Wait for the next packet: let woken calls run, then move the clock from
// timer to timer until the stack sends one. Nothing queued and no timer
// left means nothing ever will: say so (a packet of 0 bytes, which
// packetdrill reports as an error instead of waiting forever).
int Host::netdev_receive(void* buf, size_t* n, long long* time_us) {
  std::unique_lock lk(mu_);
  // Bound: a script waits at most hours for a packet (keepalive, 2MSL).
  const Time limit = st_.now() + std::chrono::hours(4);
  for (int guard = 0; guard < 1'000'000; ++guard) {
    settle(lk);
    if (!out_.empty()) {
      Out o = std::move(out_.front());
      out_.pop_front();
      size_t len = std::min(*n, o.bytes.size());
      std::memcpy(buf, o.bytes.data(), len);
      *n = len;
      *time_us = kEpochUs + std::chrono::duration_cast<std::chrono::microseconds>(o.at).count();
      return 0;
    }
    Time next = next_event();
    if (next == Time::max() || next > limit) break;
    st_.poll(std::max(next, st_.now()));
    changed();
  }
  std::fprintf(stderr, "tunsock-packetdrill: netdev_receive: the stack has nothing to send and no timer within 4 h\n");
  *n = 0;
  *time_us = kEpochUs + std::chrono::duration_cast<std::chrono::microseconds>(st_.now()).count();
  return 0;
}

void Host::usleep(int64_t n) {
  std::unique_lock lk(mu_);
  advance_to(lk, st_.now() + us(std::max<int64_t>(n, 0)));
}

// Also called by packetdrill's system-call thread, outside any Call: the
// settle waits only for calls of other threads (and for none of them when
// they sleep in block() with nothing to wake them).
int64_t Host::gettimeofday_us() {
  std::unique_lock lk(mu_);
  if (returning_ == std::this_thread::get_id()) returning_ = std::thread::id{};  // its end's stamp
  st_.poll(st_.now() + us(1));
  changed();
  // A call whose time is up (a poll timeout) returns at that time, before
  // the script's next event starts.
  settle(lk);
  return kEpochUs + std::chrono::duration_cast<std::chrono::microseconds>(st_.now()).count();
}

}  // namespace tunsock::pd
