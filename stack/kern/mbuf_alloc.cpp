// The mbuf allocator: two zones (mbuf cells and clusters), each a shared
// general pool of buckets under a mutex, with two buckets cached per thread
// (FreeBSD UMA: uma_core.c, the per-CPU uc_allocbucket/uc_freebucket in front
// of the zone's bucket list). A thread allocates and frees in its own buckets
// without locking; only whole buckets move between a thread and the pool, so
// the lock is taken once per kBucketSize cells at most. Idle cells are kept,
// not given back to the system: `netstat -m` "total" is in use plus idle.
#include "kern/mbuf_alloc.hpp"

#include <array>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "kern/mbuf.hpp"

namespace tunsock {
namespace {

constexpr int kBucketSize = kMbufBucketSize;
constexpr std::align_val_t kCellAlign{alignof(std::max_align_t)};

struct Bucket {
  int count = 0;
  std::array<void*, kBucketSize> cells;
  bool empty() const { return count == 0; }
  bool full() const { return count == kBucketSize; }
  void push(void* p) { cells[size_t(count++)] = p; }
  void* pop() { return cells[size_t(--count)]; }
};

struct Zone {
  std::size_t cell_size;
  std::mutex mu;
  std::vector<Bucket*> pool;      // buckets of idle cells (full, or partial from a drained thread)
  std::vector<Bucket*> spare;     // empty buckets kept for reuse
  std::atomic<uint64_t> in_use{0};
  std::atomic<uint64_t> cached{0};  // cells in all threads' buckets
  std::atomic<uint64_t> pooled{0};  // cells in the pool's buckets
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> limit{0};   // 0 = none

  explicit Zone(std::size_t size) : cell_size(size) {}

  // Caller holds mu. Never fails: a missing spare is simply nullptr.
  Bucket* take_spare() {
    if (spare.empty()) return nullptr;
    Bucket* b = spare.back();
    spare.pop_back();
    return b;
  }
};

// Never destroyed: a thread's cache may drain into its zone during process
// exit, after static destructors would have run.
Zone& zone(ZoneId id) {
  static Zone* zones[2] = {new Zone(MSIZE), new Zone(sizeof(MbufCluster))};
  return *zones[static_cast<int>(id)];
}

// The two buckets a thread holds for one zone: it allocates from `alloc` and
// frees into `free`, swapping them before it goes to the pool.
struct ZoneCache {
  Bucket* alloc = nullptr;
  Bucket* free = nullptr;
};

// Hand both buckets to the pool whole (partial ones too).
void cache_drain(Zone& z, ZoneCache& zc) {
  std::lock_guard lk(z.mu);
  for (Bucket** slot : {&zc.alloc, &zc.free}) {
    Bucket* b = std::exchange(*slot, nullptr);
    if (!b) continue;
    if (b->empty()) {
      z.spare.push_back(b);
      continue;
    }
    z.pool.push_back(b);
    z.cached -= uint64_t(b->count);
    z.pooled += uint64_t(b->count);
  }
}

enum class CacheState : uint8_t { Unborn, Alive, Dead };
// Trivially destructible, so it stays readable while the cache itself is
// being destroyed at thread exit (other thread_local destructors may still
// free mbufs then; those go straight to the pool).
thread_local CacheState t_cache_state = CacheState::Unborn;

struct ThreadCache {
  std::array<ZoneCache, 2> zc;
  ~ThreadCache() {
    t_cache_state = CacheState::Dead;
    for (int i = 0; i < 2; ++i) cache_drain(zone(ZoneId(i)), zc[size_t(i)]);
  }
};

ZoneCache* thread_cache(ZoneId id) {
  if (t_cache_state == CacheState::Dead) return nullptr;
  thread_local ThreadCache tc;
  t_cache_state = CacheState::Alive;
  return &tc.zc[static_cast<size_t>(id)];
}

// Reserve one cell against the zone's limit; false (counted) when reached.
bool charge(Zone& z) {
  const uint64_t lim = z.limit.load(std::memory_order_relaxed);
  uint64_t cur = z.in_use.load(std::memory_order_relaxed);
  do {
    if (lim != 0 && cur >= lim) {
      z.failures.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (!z.in_use.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed));
  return true;
}

void* system_alloc(Zone& z) {
  void* p = ::operator new(z.cell_size, kCellAlign, std::nothrow);
  if (!p) {
    z.in_use -= 1;
    z.failures += 1;
  }
  return p;
}

// Refill an empty cache: swap in the free bucket, else trade the empty alloc
// bucket for a whole bucket from the pool. False when the pool is empty too.
bool cache_refill(Zone& z, ZoneCache& zc) {
  if (zc.free && !zc.free->empty()) {
    std::swap(zc.alloc, zc.free);
    return true;
  }
  std::lock_guard lk(z.mu);
  if (z.pool.empty()) return false;
  if (zc.alloc) z.spare.push_back(zc.alloc);
  zc.alloc = z.pool.back();
  z.pool.pop_back();
  z.pooled -= uint64_t(zc.alloc->count);
  z.cached += uint64_t(zc.alloc->count);
  return true;
}

// No thread cache (the thread is exiting): take one cell from the pool.
void* pool_alloc(Zone& z) {
  {
    std::lock_guard lk(z.mu);
    if (!z.pool.empty()) {
      Bucket* b = z.pool.back();
      void* p = b->pop();
      if (b->empty()) {
        z.pool.pop_back();
        z.spare.push_back(b);
      }
      z.pooled -= 1;
      return p;
    }
  }
  return system_alloc(z);
}

// No thread cache, or no bucket to be had: put one cell into the pool, or
// back to the system when no bucket can hold it.
void pool_free(Zone& z, void* p) {
  {
    std::lock_guard lk(z.mu);
    Bucket* b = !z.pool.empty() && !z.pool.back()->full() ? z.pool.back() : z.take_spare();
    if (!b) b = new (std::nothrow) Bucket;
    if (b) {
      if (b->empty()) z.pool.push_back(b);
      b->push(p);
      z.pooled += 1;
      return;
    }
  }
  ::operator delete(p, kCellAlign);
}

// Make room in the free bucket: swap with a non-full alloc bucket, else hand
// the full bucket to the pool and take an empty one. False when no empty
// bucket can be had.
bool cache_make_room(Zone& z, ZoneCache& zc) {
  if (zc.free && !zc.free->full()) return true;
  if (zc.free && (!zc.alloc || !zc.alloc->full())) {
    std::swap(zc.alloc, zc.free);
    if (zc.free) return true;
  }
  Bucket* b = nullptr;
  {
    std::lock_guard lk(z.mu);
    if (zc.free) {
      z.pool.push_back(zc.free);
      z.cached -= uint64_t(kBucketSize);
      z.pooled += uint64_t(kBucketSize);
      zc.free = nullptr;
    }
    b = z.take_spare();
  }
  if (!b) b = new (std::nothrow) Bucket;
  zc.free = b;
  return b != nullptr;
}

}  // namespace

void* zone_alloc(ZoneId id) {
  Zone& z = zone(id);
  if (!charge(z)) return nullptr;
  ZoneCache* zc = thread_cache(id);
  if (!zc) return pool_alloc(z);
  if ((!zc->alloc || zc->alloc->empty()) && !cache_refill(z, *zc)) return system_alloc(z);
  z.cached -= 1;
  return zc->alloc->pop();
}

void zone_free(ZoneId id, void* p) {
  Zone& z = zone(id);
  z.in_use -= 1;
  ZoneCache* zc = thread_cache(id);
  if (!zc || !cache_make_room(z, *zc)) {
    pool_free(z, p);
    return;
  }
  zc->free->push(p);
  z.cached += 1;
}

MbufStats mbuf_stats() {
  Zone& m = zone(ZoneId::Mbuf);
  Zone& c = zone(ZoneId::Cluster);
  return MbufStats{m.in_use, c.in_use, m.cached, c.cached, m.pooled, c.pooled,
                   m.failures, c.failures, m.limit, c.limit};
}

void mbuf_set_limits(uint64_t max_mbufs, uint64_t max_clusters) {
  zone(ZoneId::Mbuf).limit = max_mbufs;
  zone(ZoneId::Cluster).limit = max_clusters;
}

void mbuf_drain_thread_cache() {
  for (int i = 0; i < 2; ++i) {
    if (ZoneCache* zc = thread_cache(ZoneId(i))) cache_drain(zone(ZoneId(i)), *zc);
  }
}

std::string mbuf_stats_text() {
  const MbufStats s = mbuf_stats();
  const uint64_t midle = s.mbufs_cached + s.mbufs_pooled;
  const uint64_t cidle = s.clusters_cached + s.clusters_pooled;
  const auto kb = [](uint64_t mbufs, uint64_t clusters) {
    return (mbufs * MSIZE + clusters * MCLBYTES) / 1024;
  };
  char buf[1024];
  // The first lines and the "denied" line read as FreeBSD's netstat -m; the
  // per-thread/pool split is ours (UMA shows it only through vmstat -z).
  std::snprintf(buf, sizeof buf,
                "%" PRIu64 "/%" PRIu64 "/%" PRIu64 " mbufs in use (current/cache/total)\n"
                "%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
                " mbuf clusters in use (current/cache/total/max)\n"
                "%" PRIu64 "/%" PRIu64 " mbufs cached (per thread/general pool)\n"
                "%" PRIu64 "/%" PRIu64 " mbuf clusters cached (per thread/general pool)\n"
                "%" PRIu64 "K/%" PRIu64 "K/%" PRIu64 "K bytes allocated to network (current/cache/total)\n"
                "%" PRIu64 "/%" PRIu64 " requests for mbufs denied (mbufs/clusters)\n"
                "%" PRIu64 " mbufs max (0 = unlimited)\n",
                s.mbufs_in_use, midle, s.mbufs_in_use + midle,
                s.clusters_in_use, cidle, s.clusters_in_use + cidle, s.cluster_limit,
                s.mbufs_cached, s.mbufs_pooled, s.clusters_cached, s.clusters_pooled,
                kb(s.mbufs_in_use, s.clusters_in_use), kb(midle, cidle),
                kb(s.mbufs_in_use + midle, s.clusters_in_use + cidle),
                s.mbuf_failures, s.cluster_failures, s.mbuf_limit);
  return buf;
}

}  // namespace tunsock
