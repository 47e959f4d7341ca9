// The descriptor table (see fdtable.hpp).
#include "fdtable.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace tunsock::shim::fdtable {
namespace {

constexpr int kFast = 1 << 16;
constexpr uint8_t kOurs = 1, kProbed = 2, kFramed = 4;
// kOurs; kProbed: checked and found not ours; kFramed: a datagram socket
// (or one not yet identified), whose reads need the shim.
std::atomic<uint8_t> g_bits[kFast];

uint8_t bits_of(const SockInfo& s) {
  return kOurs | ((s.pending || (s.type == SOCK_DGRAM && !s.listening)) ? kFramed : 0);
}
std::mutex g_mu;
std::unordered_map<int, SockInfo>* g_map;  // never destroyed: used until exit

std::unordered_map<int, SockInfo>& map_locked() {
  if (!g_map) g_map = new std::unordered_map<int, SockInfo>;
  return *g_map;
}

}  // namespace

bool ours(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) & 1;
  std::lock_guard lk(g_mu);
  return g_map && g_map->count(fd);
}

bool framed(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) & kFramed;
  std::lock_guard lk(g_mu);
  if (!g_map) return false;
  auto it = g_map->find(fd);
  return it != g_map->end() && (bits_of(it->second) & kFramed);
}

bool known(int fd) {
  if (fd < 0) return false;
  if (fd < kFast) return g_bits[fd].load(std::memory_order_acquire) != 0;
  std::lock_guard lk(g_mu);
  return g_map && g_map->count(fd);
}

std::optional<SockInfo> get(int fd) {
  if (!ours(fd)) return std::nullopt;
  std::lock_guard lk(g_mu);
  auto it = map_locked().find(fd);
  if (it == map_locked().end()) return std::nullopt;
  return it->second;
}

void put(int fd, SockInfo s) {
  if (fd < 0) return;
  struct stat st;
  s.ino = ::fstat(fd, &st) == 0 ? st.st_ino : 0;
  std::lock_guard lk(g_mu);
  map_locked()[fd] = s;
  if (fd < kFast) g_bits[fd].store(bits_of(s), std::memory_order_release);
}

void forget(int fd) {
  if (fd < 0) return;
  std::lock_guard lk(g_mu);
  if (g_map) g_map->erase(fd);
  if (fd < kFast) g_bits[fd].store(0, std::memory_order_release);
}

bool current(int fd, const SockInfo& s) {
  struct stat st;
  return s.ino == 0 || (::fstat(fd, &st) == 0 && st.st_ino == s.ino);
}

void set_listening(int fd) {
  struct stat st;
  const uint64_t ino = ::fstat(fd, &st) == 0 ? st.st_ino : 0;  // the kernel listener now
  std::lock_guard lk(g_mu);
  auto it = map_locked().find(fd);
  if (it != map_locked().end()) {
    it->second.listening = true;
    it->second.ino = ino;
    if (fd < kFast) g_bits[fd].store(bits_of(it->second), std::memory_order_release);
  }
}

bool probed(int fd) { return fd >= 0 && fd < kFast && (g_bits[fd].load(std::memory_order_acquire) & kProbed); }

void set_probed(int fd) {
  if (fd >= 0 && fd < kFast) g_bits[fd].fetch_or(kProbed, std::memory_order_acq_rel);
}

void lock_for_fork() { g_mu.lock(); }
void unlock_after_fork() { g_mu.unlock(); }

}  // namespace tunsock::shim::fdtable
