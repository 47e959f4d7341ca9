// The descriptor table (see fdtable.hpp).
#include "fdtable.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace tunsock::shim::fdtable {
namespace {

constexpr int kFast = 1 << 16;
// bit 0: ours; bit 1: probed and found not ours.
std::atomic<uint8_t> g_bits[kFast];
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

void put(int fd, const SockInfo& s) {
  if (fd < 0) return;
  std::lock_guard lk(g_mu);
  map_locked()[fd] = s;
  if (fd < kFast) g_bits[fd].store(1, std::memory_order_release);
}

void forget(int fd) {
  if (fd < 0) return;
  std::lock_guard lk(g_mu);
  if (g_map) g_map->erase(fd);
  if (fd < kFast) g_bits[fd].store(0, std::memory_order_release);
}

void set_listening(int fd) {
  std::lock_guard lk(g_mu);
  auto it = map_locked().find(fd);
  if (it != map_locked().end()) it->second.listening = true;
}

bool probed(int fd) { return fd >= 0 && fd < kFast && (g_bits[fd].load(std::memory_order_acquire) & 2); }

void set_probed(int fd) {
  if (fd >= 0 && fd < kFast) g_bits[fd].fetch_or(2, std::memory_order_acq_rel);
}

void lock_for_fork() { g_mu.lock(); }
void unlock_after_fork() { g_mu.unlock(); }

}  // namespace tunsock::shim::fdtable
