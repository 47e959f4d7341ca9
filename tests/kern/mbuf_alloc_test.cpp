// The mbuf allocator: per-thread buckets over the general pool, whole-bucket
// moves, the netstat -m counters, the configured limit, and frees on other
// threads than the allocating one. doctest runs test cases one at a time on
// the main thread, so the global counters move only by what a case does.
#include <doctest/doctest.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kern/mbuf.hpp"
#include "kern/mbuf_alloc.hpp"

using namespace tunsock;

namespace {

constexpr uint64_t B = kMbufBucketSize;

uint64_t mbufs_total(const MbufStats& s) { return s.mbufs_in_use + s.mbufs_cached + s.mbufs_pooled; }
uint64_t clusters_total(const MbufStats& s) {
  return s.clusters_in_use + s.clusters_cached + s.clusters_pooled;
}

std::vector<mbuf*> get_n(uint64_t n, bool cluster) {
  std::vector<mbuf*> v;
  for (uint64_t i = 0; i < n; ++i) {
    mbuf* m = cluster ? m_get2(int(MCLBYTES), M_NOWAIT, MType::Data, false) : m_get(M_NOWAIT, MType::Data);
    REQUIRE(m);
    v.push_back(m);
  }
  return v;
}

void free_all(std::vector<mbuf*>& v) {
  for (mbuf* m : v) m_freem(m);
  v.clear();
}

// Leaves the last bucket of each pool holding exactly B cells: this thread
// frees B of each into an empty free bucket, then drains it last.
void pool_ends_with_full_bucket() {
  mbuf_drain_thread_cache();
  auto v = get_n(B, true);
  free_all(v);
  mbuf_drain_thread_cache();
}

// A queue with an end, so consumer threads stop without spinning.
class Handoff {
 public:
  void put(mbuf* m) {
    { std::lock_guard lk(mu_); q_.push_back(m); }
    cv_.notify_one();
  }
  void close() {
    { std::lock_guard lk(mu_); closed_ = true; }
    cv_.notify_all();
  }
  mbuf* take() {  // nullptr once closed and empty
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return closed_ || !q_.empty(); });
    if (q_.empty()) return nullptr;
    mbuf* m = q_.front();
    q_.pop_front();
    return m;
  }
 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<mbuf*> q_;
  bool closed_ = false;
};

}  // namespace

TEST_CASE("mbuf alloc: freed cells stay in this thread's cache until drained into the pool") {
  mbuf_drain_thread_cache();
  const MbufStats s0 = mbuf_stats();
  CHECK(s0.mbufs_cached == 0);
  CHECK(s0.clusters_cached == 0);
  auto v = get_n(10, true);
  const MbufStats s1 = mbuf_stats();
  CHECK(s1.mbufs_in_use == s0.mbufs_in_use + 10);
  CHECK(s1.clusters_in_use == s0.clusters_in_use + 10);
  free_all(v);
  const MbufStats s2 = mbuf_stats();
  CHECK(s2.mbufs_in_use == s0.mbufs_in_use);
  CHECK(s2.clusters_in_use == s0.clusters_in_use);
  CHECK(s2.mbufs_cached >= 10);
  CHECK(s2.clusters_cached >= 10);
  mbuf_drain_thread_cache();
  const MbufStats s3 = mbuf_stats();
  CHECK(s3.mbufs_cached == 0);
  CHECK(s3.clusters_cached == 0);
  // Nothing is lost or invented: idle cells are cached or pooled, and at
  // most the 10 allocated above came new from the system.
  CHECK(s3.mbufs_pooled == mbufs_total(s3) - s3.mbufs_in_use);
  CHECK(mbufs_total(s3) >= mbufs_total(s0));
  CHECK(mbufs_total(s3) <= mbufs_total(s0) + 10);
  CHECK(clusters_total(s3) <= clusters_total(s0) + 10);
}

TEST_CASE("mbuf alloc: a thread with an empty cache takes a whole bucket from the pool") {
  pool_ends_with_full_bucket();
  const MbufStats s0 = mbuf_stats();
  REQUIRE(s0.mbufs_pooled >= B);
  REQUIRE(s0.clusters_pooled >= B);
  MbufStats inside{};
  std::thread t([&] {
    mbuf* m = m_get2(int(MCLBYTES), M_NOWAIT, MType::Data, true);
    inside = mbuf_stats();
    CHECK(m != nullptr);  // REQUIRE would throw out of the thread
    m_freem(m);
  });
  t.join();
  // One allocation moved B cells: one handed out, B-1 in the thread's cache.
  CHECK(inside.mbufs_pooled == s0.mbufs_pooled - B);
  CHECK(inside.mbufs_cached == B - 1);
  CHECK(inside.clusters_pooled == s0.clusters_pooled - B);
  CHECK(inside.clusters_cached == B - 1);
  // Thread exit handed its buckets back.
  const MbufStats s1 = mbuf_stats();
  CHECK(s1.mbufs_cached == 0);
  CHECK(s1.mbufs_pooled == s0.mbufs_pooled);
  CHECK(s1.clusters_pooled == s0.clusters_pooled);
  CHECK(s1.mbufs_in_use == s0.mbufs_in_use);
}

TEST_CASE("mbuf alloc: a thread keeps two buckets of free cells and spills the third whole") {
  auto v = get_n(3 * B, true);
  mbuf_drain_thread_cache();
  const MbufStats s0 = mbuf_stats();
  for (uint64_t i = 0; i < 2 * B; ++i) m_freem(v[i]);
  MbufStats s1 = mbuf_stats();
  CHECK(s1.mbufs_cached == 2 * B);
  CHECK(s1.mbufs_pooled == s0.mbufs_pooled);
  m_freem(v[2 * B]);
  s1 = mbuf_stats();
  CHECK(s1.mbufs_cached == B + 1);        // a full bucket left, a new one started
  CHECK(s1.mbufs_pooled == s0.mbufs_pooled + B);
  CHECK(s1.clusters_cached == B + 1);
  CHECK(s1.clusters_pooled == s0.clusters_pooled + B);
  for (uint64_t i = 2 * B + 1; i < 3 * B; ++i) m_freem(v[i]);
  const MbufStats s2 = mbuf_stats();
  CHECK(s2.mbufs_cached == 2 * B);
  CHECK(s2.mbufs_in_use == s0.mbufs_in_use - 3 * B);
  mbuf_drain_thread_cache();
  CHECK(mbuf_stats().mbufs_pooled == s0.mbufs_pooled + 3 * B);
}

TEST_CASE("mbuf alloc: allocation is served from the cache before the system") {
  pool_ends_with_full_bucket();
  const MbufStats s0 = mbuf_stats();
  auto v = get_n(B, true);
  free_all(v);
  v = get_n(B, true);
  const MbufStats s1 = mbuf_stats();
  CHECK(mbufs_total(s1) == mbufs_total(s0));  // not one new cell
  CHECK(clusters_total(s1) == clusters_total(s0));
  free_all(v);
}

TEST_CASE("mbuf alloc: a limit fails allocations cleanly, counts them, and lifts") {
  mbuf_drain_thread_cache();
  const MbufStats s0 = mbuf_stats();
  mbuf_set_limits(s0.mbufs_in_use + 3, s0.clusters_in_use + 1);
  CHECK(mbuf_stats().mbuf_limit == s0.mbufs_in_use + 3);
  CHECK(mbuf_stats().cluster_limit == s0.clusters_in_use + 1);
  mbuf* a = m_get(M_NOWAIT, MType::Data);
  mbuf* b = m_gethdr(M_NOWAIT, MType::Data);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(m_clget(a, M_NOWAIT));
  CHECK_FALSE(m_clget(b, M_NOWAIT));  // cluster limit: b unchanged
  CHECK((b->m_flags & M_EXT) == 0);
  CHECK(b->m_data == b->m_dat);
  MbufStats s1 = mbuf_stats();
  CHECK(s1.cluster_failures == s0.cluster_failures + 1);
  CHECK(s1.mbuf_failures == s0.mbuf_failures);
  // m_get2 needing a cluster gives its mbuf back when the cluster is refused
  CHECK(m_get2(int(MLEN) + 1, M_NOWAIT, MType::Data, true) == nullptr);
  CHECK(mbuf_stats().mbufs_in_use == s0.mbufs_in_use + 2);
  mbuf* c = m_get(M_NOWAIT, MType::Data);
  REQUIRE(c);
  CHECK(m_get(M_NOWAIT, MType::Data) == nullptr);  // mbuf limit
  CHECK(m_gethdr(M_WAITOK, MType::Data) == nullptr);  // M_WAITOK does not wait either
  s1 = mbuf_stats();
  CHECK(s1.mbuf_failures == s0.mbuf_failures + 2);
  CHECK(s1.cluster_failures == s0.cluster_failures + 2);
  CHECK(s1.mbufs_in_use == s0.mbufs_in_use + 3);
  // routines that allocate report failure instead of aborting
  char buf[4000] = {};
  CHECK(m_devget(buf, sizeof buf, M_NOWAIT, true) == nullptr);
  CHECK(m_copym(a, 0, M_COPYALL, M_NOWAIT) == nullptr);
  CHECK(mbuf_stats().mbufs_in_use == s0.mbufs_in_use + 3);
  m_freem(a);
  m_freem(b);
  m_freem(c);
  CHECK(mbuf_stats().mbufs_in_use == s0.mbufs_in_use);
  mbuf_set_limits(0, 0);
  mbuf* d = m_get2(int(MCLBYTES), M_NOWAIT, MType::Data, false);
  CHECK(d != nullptr);
  m_freem(d);
  CHECK(mbuf_stats().mbufs_in_use == s0.mbufs_in_use);
  CHECK(mbuf_stats().clusters_in_use == s0.clusters_in_use);
}

TEST_CASE("mbuf alloc: mbuf_stats_text reads as netstat -m with the current counters") {
  mbuf_drain_thread_cache();
  mbuf* m = m_get2(int(MCLBYTES), M_NOWAIT, MType::Data, true);  // something in use
  REQUIRE(m);
  const MbufStats s = mbuf_stats();
  const std::string text = mbuf_stats_text();
  const auto line = [](const char* fmt, auto... v) {
    char b[200];
    std::snprintf(b, sizeof b, fmt, static_cast<unsigned long long>(v)...);
    return std::string(b);
  };
  const uint64_t midle = s.mbufs_cached + s.mbufs_pooled;
  const uint64_t cidle = s.clusters_cached + s.clusters_pooled;
  CHECK(text.rfind(line("%llu/%llu/%llu mbufs in use (current/cache/total)\n", s.mbufs_in_use, midle,
                        s.mbufs_in_use + midle), 0) == 0);
  CHECK(text.find(line("\n%llu/%llu/%llu/%llu mbuf clusters in use (current/cache/total/max)\n",
                       s.clusters_in_use, cidle, s.clusters_in_use + cidle, s.cluster_limit)) !=
        std::string::npos);
  CHECK(text.find(line("\n%llu/%llu requests for mbufs denied (mbufs/clusters)\n", s.mbuf_failures,
                       s.cluster_failures)) != std::string::npos);
  CHECK(text.find(" bytes allocated to network (current/cache/total)\n") != std::string::npos);
  CHECK(text.find("\n%llu/%llu mbufs cached") == std::string::npos);  // formats filled in
  m_freem(m);
}

TEST_CASE("mbuf alloc: chains allocated on one thread are freed on two others, sharing clusters") {
  const MbufStats s0 = mbuf_stats();
  constexpr int kRounds = 3000;
  Handoff qa, qb;
  std::thread producer([&] {
    char data[3000];
    for (int i = 0; i < kRounds; ++i) {
      for (int j = 0; j < int(sizeof data); ++j) data[j] = char(i + j);
      mbuf* m = m_devget(data, 1 + (i * 37) % int(sizeof data), M_NOWAIT, true);
      // The copy shares m's clusters: whichever consumer frees last frees them.
      mbuf* c = m ? m_copym(m, 0, M_COPYALL, M_NOWAIT) : nullptr;
      CHECK(c != nullptr);  // REQUIRE would throw out of the thread
      if (!c) {
        m_freem(m);
        break;
      }
      qa.put(m);
      qb.put(c);
    }
    qa.close();
    qb.close();
  });
  const auto consume = [](Handoff& q, int& n) {
    while (mbuf* m = q.take()) {
      n += m_length(m);
      m_freem(m);
    }
  };
  int na = 0, nb = 0;
  std::thread ca(consume, std::ref(qa), std::ref(na));
  std::thread cb(consume, std::ref(qb), std::ref(nb));
  producer.join();
  ca.join();
  cb.join();
  CHECK(na == nb);
  CHECK(na > 0);
  const MbufStats s1 = mbuf_stats();
  CHECK(s1.mbufs_in_use == s0.mbufs_in_use);
  CHECK(s1.clusters_in_use == s0.clusters_in_use);
  CHECK(s1.mbufs_cached == s0.mbufs_cached);  // exited threads left nothing cached
  CHECK(s1.clusters_cached == s0.clusters_cached);
  CHECK(s1.mbuf_failures == s0.mbuf_failures);
  CHECK(s1.cluster_failures == s0.cluster_failures);
}
