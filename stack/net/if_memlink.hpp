// The in-memory link of the tests (gVisor's channel endpoint): two
// interfaces, on the same or different Stacks, joined by a wire with seeded
// loss, duplication, reordering, delay and an MTU. A frame is delivered by a
// callout on the receiving stack, so a simulation only polls its stacks on
// one virtual clock.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "kern/stack.hpp"
#include "net/if.hpp"

namespace tunsock {

struct MemLinkParams {
  double loss = 0, duplicate = 0, reorder = 0;  // probabilities per packet
  Time delay{0};                                // one-way latency
  Time reorder_delay = std::chrono::milliseconds(5);  // extra latency of a reordered packet
  uint32_t mtu = 1500;                          // larger packets are dropped (tx_errors)
  uint64_t seed = 1;
};

struct MemLinkStats {
  uint64_t sent = 0, lost = 0, duplicated = 0, reordered = 0, toobig = 0;
};

class MemLink {
 public:
  explicit MemLink(MemLinkParams p) : p_(p), rng_(p.seed) {}
  // Create the two ends (inet_attach'ing their stacks). Call once.
  void connect(Stack& a, const std::string& aname, Stack& b, const std::string& bname);
  ifnet& a() { return *a_; }
  ifnet& b() { return *b_; }
  MemLinkParams& params() { return p_; }
  const MemLinkStats& stats() const { return stats_; }

 private:
  int transmit(ifnet& from, mbuf* m);
  MemLinkParams p_;
  std::mt19937_64 rng_;
  ifnet* a_ = nullptr;
  ifnet* b_ = nullptr;
  MemLinkStats stats_;
};

}  // namespace tunsock
