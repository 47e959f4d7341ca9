// The mbuf allocator: per-thread caches over the general pool, the
// netstat -m counters, the configured limit, and frees on other threads.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "kern/mbuf.hpp"

using namespace tunsock;

TEST_CASE("mbuf alloc: freed cells go to this thread's cache, drained into the pool") {
  mbuf_drain_thread_cache();
  const MbufStats s0 = mbuf_stats();
  std::vector<mbuf*> v;
  for (int i = 0; i < 10; ++i) v.push_back(m_get2(1000, M_NOWAIT, MType::Data, false));
  MbufStats s1 = mbuf_stats();
  CHECK(s1.mbufs_in_use == s0.mbufs_in_use + 10);
  CHECK(s1.clusters_in_use == s0.clusters_in_use + 10);
  for (mbuf* m : v) m_freem(m);
  MbufStats s2 = mbuf_stats();
  CHECK(s2.mbufs_in_use == s0.mbufs_in_use);
  CHECK(s2.mbufs_cached >= 10);
  CHECK(s2.clusters_cached >= 10);
  mbuf_drain_thread_cache();
  MbufStats s3 = mbuf_stats();
  CHECK(s3.mbufs_cached == 0);
  CHECK(s3.mbufs_pooled >= s2.mbufs_cached);
  // the next allocation is served from the pool, not the system
  const uint64_t total = s3.mbufs_in_use + s3.mbufs_pooled;
  mbuf* m = m_get(M_NOWAIT, MType::Data);
  MbufStats s4 = mbuf_stats();
  CHECK(s4.mbufs_in_use + s4.mbufs_cached + s4.mbufs_pooled == total);
  m_free(m);
}

TEST_CASE("mbuf alloc: a limit fails allocations cleanly and counts them") {
  const MbufStats s0 = mbuf_stats();
  mbuf_set_limits(s0.mbufs_in_use + 3, s0.clusters_in_use + 1);
  mbuf* a = m_get(M_NOWAIT, MType::Data);
  mbuf* b = m_get(M_NOWAIT, MType::Data);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(m_clget(a, M_NOWAIT));
  CHECK_FALSE(m_clget(b, M_NOWAIT));  // cluster limit: b unchanged
  CHECK((b->m_flags & M_EXT) == 0);
  mbuf* c = m_get(M_NOWAIT, MType::Data);
  REQUIRE(c);
  CHECK(m_get(M_NOWAIT, MType::Data) == nullptr);  // mbuf limit
  // routines that allocate report failure instead of aborting
  char buf[4000] = {};
  CHECK(m_devget(buf, sizeof buf, M_NOWAIT, true) == nullptr);
  CHECK(m_copym(a, 0, M_COPYALL, M_NOWAIT) == nullptr);
  const MbufStats s1 = mbuf_stats();
  CHECK(s1.mbuf_failures >= s0.mbuf_failures + 2);
  CHECK(s1.cluster_failures >= s0.cluster_failures + 1);
  CHECK(mbuf_stats_text().find("requests for mbufs/clusters denied") != std::string::npos);
  m_freem(a);
  m_freem(b);
  m_freem(c);
  mbuf_set_limits(0, 0);
  mbuf* d = m_get(M_NOWAIT, MType::Data);
  CHECK(d != nullptr);
  m_freem(d);
  CHECK(mbuf_stats().mbufs_in_use == s0.mbufs_in_use);
}

TEST_CASE("mbuf alloc: chains allocated on one thread are freed on another") {
  const MbufStats s0 = mbuf_stats();
  constexpr int kRounds = 2000;
  std::mutex mu;
  std::vector<mbuf*> handoff;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    char data[3000];
    for (int i = 0; i < kRounds; ++i) {
      for (int j = 0; j < int(sizeof data); ++j) data[j] = char(i + j);
      mbuf* m = m_devget(data, 100 + (i * 37) % 2900, M_NOWAIT, true);
      mbuf* c = m ? m_copym(m, 0, M_COPYALL, M_NOWAIT) : nullptr;  // share clusters across threads
      std::lock_guard lk(mu);
      if (m) handoff.push_back(m);
      if (c) handoff.push_back(c);
    }
    done = true;
  });
  std::thread consumer([&] {
    for (;;) {
      std::vector<mbuf*> got;
      {
        std::lock_guard lk(mu);
        got.swap(handoff);
      }
      for (mbuf* m : got) m_freem(m);
      if (got.empty() && done) {
        std::lock_guard lk(mu);
        if (handoff.empty()) break;
      }
    }
  });
  producer.join();
  consumer.join();
  // The threads' caches went back to the pool when they exited.
  const MbufStats s1 = mbuf_stats();
  CHECK(s1.mbufs_in_use == s0.mbufs_in_use);
  CHECK(s1.clusters_in_use == s0.clusters_in_use);
  CHECK(s1.mbufs_pooled > 0);
  CHECK(s1.mbuf_failures == s0.mbuf_failures);
}
