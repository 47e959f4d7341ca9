// SipHash-2-4 (Aumasson, Bernstein: "SipHash: a fast short-input PRF",
// 2012): a keyed 64-bit hash for short inputs, used where an attacker must
// not predict or collide values (TCP ISNs RFC 6528, ephemeral ports RFC 6056).
// Written from the paper's description; checked against its test vectors
// (tests/kern/siphash_test.cpp). Linux: lib/siphash.c.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tunsock {

struct SipKey {
  uint64_t k0 = 0, k1 = 0;  // the 128-bit key as two little-endian halves
};

namespace sip_detail {

constexpr uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct State {
  uint64_t v0, v1, v2, v3;
  constexpr explicit State(const SipKey& k)
      : v0(k.k0 ^ 0x736f6d6570736575ULL),   // "somepseu"
        v1(k.k1 ^ 0x646f72616e646f6dULL),   // "dorandom"
        v2(k.k0 ^ 0x6c7967656e657261ULL),   // "lygenera"
        v3(k.k1 ^ 0x7465646279746573ULL) {} // "tedbytes"
  constexpr void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  constexpr void compress(uint64_t m) {  // c = 2 rounds per message word
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  constexpr uint64_t finish() {  // d = 4 rounds
    v2 ^= 0xff;
    round(); round(); round(); round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

}  // namespace sip_detail

// SipHash-2-4 of a byte string: words read little-endian, the last word
// padded with zeros and the length (mod 256) in its top byte.
constexpr uint64_t siphash24(const SipKey& key, std::span<const std::byte> in) {
  sip_detail::State s(key);
  const size_t n = in.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t m = 0;
    for (int b = 0; b < 8; b++) m |= uint64_t(uint8_t(in[i + size_t(b)])) << (8 * b);
    s.compress(m);
  }
  uint64_t last = uint64_t(n & 0xff) << 56;
  for (int b = 0; i + size_t(b) < n; b++) last |= uint64_t(uint8_t(in[i + size_t(b)])) << (8 * b);
  s.compress(last);
  return s.finish();
}

// Three 32-bit words hashed as 12 little-endian bytes (Linux siphash_3u32).
constexpr uint64_t siphash24_3u32(const SipKey& key, uint32_t a, uint32_t b, uint32_t c) {
  sip_detail::State s(key);
  s.compress(uint64_t(a) | uint64_t(b) << 32);
  s.compress(uint64_t(c) | uint64_t(12) << 56);
  return s.finish();
}

}  // namespace tunsock
