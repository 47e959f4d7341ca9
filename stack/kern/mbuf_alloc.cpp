// The mbuf allocator: two zones (mbuf cells and clusters), each a shared
// general pool under a mutex with a bucket of free cells cached per thread,
// as FreeBSD's UMA keeps a bucket per CPU in front of its zone. A thread
// allocates and frees from its own bucket without locking; buckets spill to
// and refill from the pool half a bucket at a time. Cells are never given
// back to the system: the pool is the high-water mark, which is what
// `netstat -m` calls "total".
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <new>
#include <vector>

#include "kern/mbuf.hpp"
#include "kern/mbuf_alloc.hpp"

namespace tunsock {
namespace {

constexpr std::size_t kBucketMax = 128;   // cells a thread keeps before spilling
constexpr std::size_t kBucketMove = 64;   // cells moved per refill or spill

struct Zone {
  const char* name;
  std::size_t cell_size;
  std::mutex mu;
  std::vector<void*> pool;                // idle cells shared by all threads
  std::atomic<uint64_t> in_use{0};
  std::atomic<uint64_t> cached{0};        // sum over the threads' buckets
  std::atomic<uint64_t> pooled{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> limit{0};         // 0 = none
};

// Never destroyed: thread caches may drain into the zones during exit, after
// static destructors would have run.
Zone& zone(ZoneId id) {
  static Zone* zones = new Zone[2]{{"mbuf", MSIZE, {}, {}, {}, {}, {}, {}, {}},
                                   {"mbuf_cluster", sizeof(MbufCluster), {}, {}, {}, {}, {}, {}, {}}};
  return zones[static_cast<int>(id)];
}

struct ThreadCache {
  std::vector<void*> bucket[2];
  ~ThreadCache() { drain(); }
  void drain() {
    for (int i = 0; i < 2; ++i) spill(ZoneId(i), bucket[i].size());
  }
  void spill(ZoneId id, std::size_t n) {
    if (n == 0) return;
    Zone& z = zone(id);
    auto& b = bucket[static_cast<int>(id)];
    std::lock_guard lk(z.mu);
    z.pool.insert(z.pool.end(), b.end() - long(n), b.end());
    b.resize(b.size() - n);
    z.cached -= n;
    z.pooled += n;
  }
};

ThreadCache& cache() {
  thread_local ThreadCache tc;
  return tc;
}

// Reserve one cell against the zone's limit; false when the limit is reached.
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

}  // namespace

void* zone_alloc(ZoneId id) {
  Zone& z = zone(id);
  if (!charge(z)) return nullptr;
  auto& b = cache().bucket[static_cast<int>(id)];
  if (b.empty()) {
    std::lock_guard lk(z.mu);
    const std::size_t n = std::min(kBucketMove, z.pool.size());
    b.insert(b.end(), z.pool.end() - long(n), z.pool.end());
    z.pool.resize(z.pool.size() - n);
    z.pooled -= n;
    z.cached += n;
  }
  if (!b.empty()) {
    void* p = b.back();
    b.pop_back();
    z.cached -= 1;
    return p;
  }
  void* p = ::operator new(z.cell_size, std::align_val_t{alignof(std::max_align_t)}, std::nothrow);
  if (!p) {
    z.in_use -= 1;
    z.failures += 1;
  }
  return p;
}

void zone_free(ZoneId id, void* p) {
  Zone& z = zone(id);
  auto& tc = cache();
  auto& b = tc.bucket[static_cast<int>(id)];
  b.push_back(p);
  z.cached += 1;
  z.in_use -= 1;
  if (b.size() > kBucketMax) tc.spill(id, kBucketMove);
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

void mbuf_drain_thread_cache() { cache().drain(); }

std::string mbuf_stats_text() {
  const MbufStats s = mbuf_stats();
  const uint64_t mfree = s.mbufs_cached + s.mbufs_pooled;
  const uint64_t cfree = s.clusters_cached + s.clusters_pooled;
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "%llu/%llu/%llu mbufs in use (current/cache/total)\n"
                "%llu/%llu/%llu mbuf clusters in use (current/cache/total)\n"
                "%llu/%llu mbufs cached per thread/in the general pool\n"
                "%llu/%llu mbuf clusters cached per thread/in the general pool\n"
                "%lluK/%lluK/%lluK bytes allocated to network (current/cache/total)\n"
                "%llu/%llu requests for mbufs/clusters denied\n"
                "%llu/%llu mbuf/cluster limit (0 = none)\n",
                (unsigned long long)s.mbufs_in_use, (unsigned long long)mfree,
                (unsigned long long)(s.mbufs_in_use + mfree), (unsigned long long)s.clusters_in_use,
                (unsigned long long)cfree, (unsigned long long)(s.clusters_in_use + cfree),
                (unsigned long long)s.mbufs_cached, (unsigned long long)s.mbufs_pooled,
                (unsigned long long)s.clusters_cached, (unsigned long long)s.clusters_pooled,
                (unsigned long long)((s.mbufs_in_use * MSIZE + s.clusters_in_use * MCLBYTES) / 1024),
                (unsigned long long)((mfree * MSIZE + cfree * MCLBYTES) / 1024),
                (unsigned long long)(((s.mbufs_in_use + mfree) * MSIZE + (s.clusters_in_use + cfree) * MCLBYTES) / 1024),
                (unsigned long long)s.mbuf_failures, (unsigned long long)s.cluster_failures,
                (unsigned long long)s.mbuf_limit, (unsigned long long)s.cluster_limit);
  return buf;
}

}  // namespace tunsock
