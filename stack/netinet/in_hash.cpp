// Keyed hashes for TCP connection setup: RFC 6528 ISNs and RFC 6056
// Algorithm 4 ephemeral ports. Linux: net/core/secure_seq.c
// (secure_tcp_seq, secure_ipv4_port_ephemeral), inet_hashtables.c
// (__inet_hash_connect).
#include "netinet/in_hash.hpp"

#include <algorithm>
#include <cstring>
#include <span>

#include "kern/siphash.hpp"
#include "netinet/in_var.hpp"

namespace tunsock {

namespace {

// M: 64 ns ticks (RFC 6528 §3 asks for about 4 µs at least; Linux's
// finer clock wraps the 32 bits in about 274 s).
uint32_t isn_clock(const Inet& in) {
  const int64_t ns = (in.st.now() + in.wall_offset).count();
  return uint32_t(uint64_t(ns) >> 6);
}

// SipHash of two IPv6 addresses and a 32-bit word (Linux's v6 secure_seq
// hashes a struct of the addresses and ports the same way).
uint64_t hash6(const SipKey& key, const wire::In6& a, const wire::In6& b, uint32_t w) {
  std::byte buf[36];
  std::memcpy(buf, a.data(), 16);
  std::memcpy(buf + 16, b.data(), 16);
  std::memcpy(buf + 32, &w, 4);
  return siphash24(key, std::span<const std::byte>(buf, sizeof buf));
}

uint16_t ephemeral_walk(Inet& in, uint64_t port_offset, const std::function<bool(uint16_t)>& usable);

}  // namespace

uint32_t in_isn(Inet& in, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport) {
  // F: a PRF of the connection-id (RFC 6528 §3 recommends a keyed hash;
  // Linux siphash_3u32(saddr, daddr, sport << 16 | dport)).
  const uint32_t f = uint32_t(siphash24_3u32(in.isn_key, laddr, faddr, uint32_t(lport) << 16 | fport));
  return f + isn_clock(in);
}

uint32_t in6_isn(Inet& in, const wire::In6& laddr, uint16_t lport, const wire::In6& faddr, uint16_t fport) {
  return uint32_t(hash6(in.isn_key, laddr, faddr, uint32_t(lport) << 16 | fport)) + isn_clock(in);
}

uint16_t in_ephemeral_port(Inet& in, uint32_t laddr, uint32_t faddr, uint16_t fport,
                           const std::function<bool(uint16_t)>& usable) {
  return ephemeral_walk(in, siphash24_3u32(in.port_key, laddr, faddr, fport), usable);
}

uint16_t in6_ephemeral_port(Inet& in, const wire::In6& laddr, const wire::In6& faddr, uint16_t fport,
                            const std::function<bool(uint16_t)>& usable) {
  return ephemeral_walk(in, hash6(in.port_key, laddr, faddr, fport), usable);
}

namespace {

uint16_t ephemeral_walk(Inet& in, uint64_t port_offset, const std::function<bool(uint16_t)>& usable) {
  constexpr uint32_t kLow = kEphemeralLow, kHigh = uint32_t(kEphemeralHigh) + 1;  // [low, high)
  constexpr uint32_t kRemaining = kHigh - kLow;
  constexpr uint32_t kStep = 2;
  // port_offset is F(local, remote, remote port, key1) of RFC 6056; its low
  // bits pick the perturbation bucket (G), its high half is the offset
  // (Linux port_offset).
  if (in.table_perturb.empty()) in.table_perturb.assign(Inet::kTablePerturbSize, 0);
  uint32_t& perturb = in.table_perturb[port_offset & (Inet::kTablePerturbSize - 1)];
  uint32_t offset = uint32_t((uint64_t(perturb) + (port_offset >> 32)) % kRemaining);
  // Linux: the even ports first (bind's autobind takes the odd ones first),
  // then the odd ones: each port of the range once.
  offset &= ~1u;
  for (int parity = 0; parity < 2; parity++, offset++) {
    uint32_t port = kLow + offset;
    for (uint32_t i = 0; i < kRemaining; i += kStep, port += kStep) {
      if (port >= kHigh) port -= kRemaining;
      if (!usable(uint16_t(port))) continue;
      // Linux: move the bucket on by at least the distance walked, and by a
      // random amount when that was short, so that successive connections
      // to one destination do not take predictable neighbours.
      uint32_t advance = std::max(i, (in.st.rng().next_u32() % 8) * kStep);
      perturb += advance + kStep;
      return uint16_t(port);
    }
    if (kRemaining <= 1) break;
  }
  return 0;
}

}  // namespace

}  // namespace tunsock
