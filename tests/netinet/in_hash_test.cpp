// Keyed hashes for TCP: RFC 6528 ISNs (a keyed hash of the 4-tuple plus a
// 64 ns clock on the stack's time) and RFC 6056 Algorithm 4 ephemeral ports
// (each port of 32768..60999 offered at most once, per-destination offsets
// that move on after each use), deterministic under a seeded Rng.
#include <set>

#include "netinet/in_hash.hpp"
#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

constexpr uint32_t kFar2 = 0x08080404;

bool all_free(uint16_t) { return true; }

}  // namespace

TEST_CASE("in_hash: ISNs are deterministic for a seed and differ between seeds") {
  Host a(42), b(42), c(43);
  for (Host* h : {&a, &b, &c}) h->advance(milliseconds(1234));
  const uint32_t ia = in_isn(a.in(), kUs, 40000, kFar, 80);
  CHECK(ia == in_isn(b.in(), kUs, 40000, kFar, 80));
  CHECK(ia != in_isn(c.in(), kUs, 40000, kFar, 80));
  // Asking again at the same time gives the same number (no hidden state).
  CHECK(ia == in_isn(a.in(), kUs, 40000, kFar, 80));
}

TEST_CASE("in_hash: the ISN grows by one every 64 ns of stack time, and with the wall offset") {
  Host h(7);
  const uint32_t i0 = in_isn(h.in(), kUs, 40000, kFar, 80);
  h.advance(microseconds(64));
  CHECK(in_isn(h.in(), kUs, 40000, kFar, 80) - i0 == 1000);
  h.advance(milliseconds(1));
  CHECK(in_isn(h.in(), kUs, 40000, kFar, 80) - i0 == 1000 + 15625);
  h.advance(std::chrono::nanoseconds(63));  // 1064063 ns: still tick 16625
  CHECK(in_isn(h.in(), kUs, 40000, kFar, 80) - i0 == 16625);
  h.advance(std::chrono::nanoseconds(1));
  CHECK(in_isn(h.in(), kUs, 40000, kFar, 80) - i0 == 16626);
  h.in().wall_offset = std::chrono::seconds(1);
  CHECK(in_isn(h.in(), kUs, 40000, kFar, 80) - i0 == 16626 + 15625000);
}

TEST_CASE("in_hash: different 4-tuples get independent ISN sequences") {
  Host h(9);
  struct Tuple {
    uint32_t la;
    uint16_t lp;
    uint32_t fa;
    uint16_t fp;
  };
  const Tuple tuples[] = {{kUs, 40000, kFar, 80},  {kUs, 40001, kFar, 80}, {kUs, 40000, kFar, 81},
                          {kUs, 40000, kFar2, 80}, {kPeer, 40000, kFar, 80}, {kUs, 80, kFar, 40000}};
  std::set<uint32_t> t0;
  std::vector<uint32_t> first;
  for (const Tuple& t : tuples) {
    first.push_back(in_isn(h.in(), t.la, t.lp, t.fa, t.fp));
    t0.insert(first.back());
  }
  CHECK(t0.size() == std::size(tuples));  // one changed field, another number
  // Each sequence advances by the clock alone: the offsets between them stay.
  h.advance(milliseconds(500));
  for (size_t k = 0; k < std::size(tuples); k++) {
    const Tuple& t = tuples[k];
    CHECK(in_isn(h.in(), t.la, t.lp, t.fa, t.fp) - first[k] == uint32_t(500'000'000 / 64));
  }
  // Neighbouring ports are not neighbouring ISNs (the hash, not a sum).
  const uint32_t d = first[1] - first[0];
  CHECK(d != 1);
  CHECK(d != 65536);
}

TEST_CASE("in_hash: ephemeral ports lie in 32768..60999, deterministic for a seed") {
  Host a(5), b(5), c(6);
  std::vector<uint16_t> pa, pb, pc;
  for (int i = 0; i < 20; i++) {
    pa.push_back(in_ephemeral_port(a.in(), kUs, kFar, 80, all_free));
    pb.push_back(in_ephemeral_port(b.in(), kUs, kFar, 80, all_free));
    pc.push_back(in_ephemeral_port(c.in(), kUs, kFar, 80, all_free));
  }
  CHECK(pa == pb);
  CHECK(pa != pc);
  for (uint16_t p : pa) {
    CHECK(p >= kEphemeralLow);
    CHECK(p <= kEphemeralHigh);
  }
  // The same destination twice does not get the same port even when the
  // first is still free (the bucket moved on).
  std::set<uint16_t> distinct(pa.begin(), pa.end());
  CHECK(distinct.size() == pa.size());
}

TEST_CASE("in_hash: destinations start at independent places, a busy one does not move the others") {
  Host h(11);
  std::set<uint16_t> starts;
  for (uint16_t fport = 1000; fport < 1032; fport++)
    starts.insert(in_ephemeral_port(h.in(), kUs, kFar, fport, all_free));
  CHECK(starts.size() >= 30);  // 32 draws over 28232 ports: collisions are rare
  // Destination A taken 100 times moves only A's bucket: B's first port is
  // what a stack with the same key that never saw A gives B.
  Host busy(12), fresh(12);
  for (int i = 0; i < 100; i++) in_ephemeral_port(busy.in(), kUs, kFar, 443, all_free);
  const uint16_t b_busy = in_ephemeral_port(busy.in(), kUs, kFar2, 53, all_free);
  CHECK(b_busy == in_ephemeral_port(fresh.in(), kUs, kFar2, 53, all_free));
  // And A's next port is not its first.
  Host again(12);
  CHECK(in_ephemeral_port(busy.in(), kUs, kFar, 443, all_free) !=
        in_ephemeral_port(again.in(), kUs, kFar, 443, all_free));
}

TEST_CASE("in_hash: the search offers each port of the range at most once and finds the last free one") {
  Host h(3);
  std::vector<uint16_t> order;
  std::set<uint16_t> seen;
  bool dup = false;
  uint16_t p = in_ephemeral_port(h.in(), kUs, kFar, 80, [&](uint16_t port) {
    dup = dup || !seen.insert(port).second;
    order.push_back(port);
    return false;
  });
  CHECK(p == 0);
  CHECK(!dup);
  CHECK(order.size() == size_t(kEphemeralHigh - kEphemeralLow + 1));
  CHECK(*seen.begin() == kEphemeralLow);
  CHECK(*seen.rbegin() == kEphemeralHigh);
  // A failed search leaves the bucket where it was: the same order again,
  // and with only the last port of that order free, that is the one found
  // after every other port was offered once.
  const uint16_t last = order.back();
  size_t offered = 0;
  seen.clear();
  dup = false;
  p = in_ephemeral_port(h.in(), kUs, kFar, 80, [&](uint16_t port) {
    dup = dup || !seen.insert(port).second;
    CHECK(port == order[offered]);
    offered++;
    return port == last;
  });
  CHECK(p == last);
  CHECK(!dup);
  CHECK(offered == order.size());
  // Linux order: the even ports first, then the odd ones.
  CHECK(order.front() % 2 == 0);
  CHECK(order[order.size() / 2 - 1] % 2 == 0);
  CHECK(order[order.size() / 2] % 2 == 1);
  CHECK(last % 2 == 1);
}
