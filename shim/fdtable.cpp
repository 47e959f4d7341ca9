// The descriptor table (see fdtable.hpp).
#include "fdtable.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace tunsock::shim::fdtable {
namespace {

constexpr int kFast = 1 << 16;
constexpr uint8_t kOurs = 1, kProbed = 2, kFramed = 4, kTcp = 8, kConnecting = 16, kRecvErr = 32;
// kOurs; kProbed: checked and found not ours; kFramed: a datagram socket
// (or one not yet identified), whose reads need the shim; kTcp: an inet
// stream connection, whose sends need the shim; kRecvErr: such a
// connection with IP_RECVERR/IPV6_RECVERR (SockInfo::recverr).
std::atomic<uint8_t> g_bits[kFast];

uint8_t bits_of(const SockInfo& s) {
  return kOurs | ((s.pending || s.datagrams()) ? kFramed : 0) | (s.tcp() ? kTcp : 0) |
         (s.tcp() && s.recverr ? kRecvErr : 0);
}
// Entries for the usual descriptor numbers live in a fixed array (untouched
// pages cost nothing), so that socket() and close() stay async-signal-safe:
// no allocation, and signals are blocked while the lock is held, so a
// handler cannot wait for a lock its own thread holds.
SockInfo g_info[kFast];
std::unordered_map<int, SockInfo>* g_map;  // numbers >= kFast; never destroyed
std::mutex g_mu;

class Guard {
 public:
  Guard() {
    sigset_t all;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &old_);
    g_mu.lock();
  }
  ~Guard() {
    g_mu.unlock();
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  sigset_t old_;
};

// Under the lock: the entry for fd, or null.
SockInfo* slot_locked(int fd, bool create) {
  if (fd < kFast) return (create || (g_bits[fd].load(std::memory_order_relaxed) & kOurs)) ? &g_info[fd] : nullptr;
  if (!g_map) {
    if (!create) return nullptr;
    g_map = new std::unordered_map<int, SockInfo>;
  }
  if (create) return &(*g_map)[fd];
  auto it = g_map->find(fd);
  return it == g_map->end() ? nullptr : &it->second;
}

}  // namespace

bool ours(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) & kOurs;
  Guard g;
  return slot_locked(fd, false) != nullptr;
}

bool framed(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) & kFramed;
  Guard g;
  SockInfo* e = slot_locked(fd, false);
  return e && (bits_of(*e) & kFramed);
}

bool tcp(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) & kTcp;
  Guard g;
  SockInfo* e = slot_locked(fd, false);
  return e && (bits_of(*e) & kTcp);
}

bool recverr(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) & kRecvErr;
  Guard g;
  SockInfo* e = slot_locked(fd, false);
  return e && (bits_of(*e) & kRecvErr);
}

bool connecting(int fd) {
  return fd >= 0 && fd < kFast && (g_bits[fd].load(std::memory_order_acquire) & kConnecting);
}

void set_connecting(int fd, bool on) {
  if (fd < 0 || fd >= kFast) return;
  if (on) g_bits[fd].fetch_or(kConnecting, std::memory_order_acq_rel);
  else g_bits[fd].fetch_and(uint8_t(~kConnecting), std::memory_order_acq_rel);
}

bool known(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) != 0;
  return ours(fd);
}

std::optional<SockInfo> get(int fd) {
  if (!ours(fd)) return std::nullopt;
  Guard g;
  SockInfo* e = slot_locked(fd, false);
  if (!e) return std::nullopt;
  return *e;
}

void put(int fd, SockInfo s) {
  if (fd < 0) return;
  struct stat st;
  s.ino = ::fstat(fd, &st) == 0 ? st.st_ino : 0;
  Guard g;
  *slot_locked(fd, true) = s;
  if (fd < kFast) g_bits[fd].store(bits_of(s), std::memory_order_release);
}

void forget(int fd) {
  if (fd < 0) return;
  Guard g;
  if (fd < kFast) {
    g_bits[fd].store(0, std::memory_order_release);
  } else if (g_map) {
    g_map->erase(fd);
  }
}

bool current(int fd, const SockInfo& s) {
  struct stat st;
  return s.ino == 0 || (::fstat(fd, &st) == 0 && st.st_ino == s.ino);
}

void set_listening(int fd) {
  struct stat st;
  const uint64_t ino = ::fstat(fd, &st) == 0 ? st.st_ino : 0;  // the kernel listener now
  Guard g;
  if (SockInfo* e = slot_locked(fd, false)) {
    e->listening = true;
    e->ino = ino;
    if (fd < kFast) g_bits[fd].store(bits_of(*e), std::memory_order_release);
  }
}

void set_linger(int fd, int secs) {
  Guard g;
  if (SockInfo* e = slot_locked(fd, false)) e->linger_s = secs;
}

void set_oobinline(int fd, bool on) {
  Guard g;
  if (SockInfo* e = slot_locked(fd, false)) e->oobinline = on;
}

void set_recverr(int fd, bool on) {
  Guard g;
  if (SockInfo* e = slot_locked(fd, false)) {
    e->recverr = on;
    if (fd < kFast) {
      if (bits_of(*e) & kRecvErr) g_bits[fd].fetch_or(kRecvErr, std::memory_order_acq_rel);
      else g_bits[fd].fetch_and(uint8_t(~kRecvErr), std::memory_order_acq_rel);
    }
  }
}

bool probed(int fd) { return fd >= 0 && fd < kFast && (g_bits[fd].load(std::memory_order_acquire) & kProbed); }

void set_probed(int fd) {
  if (fd >= 0 && fd < kFast) g_bits[fd].fetch_or(kProbed, std::memory_order_acq_rel);
}

void lock_for_fork() { g_mu.lock(); }
void unlock_after_fork() { g_mu.unlock(); }

}  // namespace tunsock::shim::fdtable
