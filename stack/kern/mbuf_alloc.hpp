// Internal to the mbuf code: the cluster layout and the two allocation zones
// behind m_get/m_clget (mbuf_alloc.cpp).
#pragma once

#include <atomic>

#include "kern/mbuf.hpp"

namespace tunsock {

struct MbufCluster {
  std::atomic<int> refcnt;       // mbufs pointing into buf
  alignas(std::max_align_t) std::byte buf[MCLBYTES];
};

// Cells per bucket, the unit that moves between a thread's cache and the
// general pool (UMA sizes buckets per zone; one size serves both of ours).
inline constexpr int kMbufBucketSize = 64;

enum class ZoneId : int { Mbuf = 0, Cluster = 1 };
// One cell of the zone, or nullptr when its limit is reached (counted).
void* zone_alloc(ZoneId id);
void zone_free(ZoneId id, void* p);

}  // namespace tunsock
