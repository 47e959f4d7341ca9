// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 §3.4,
// "sequence number arithmetic"; RFC 1982). FreeBSD: netinet/tcp_seq.h
// (SEQ_LT, SEQ_GT...). A distinct type so that a byte count is never
// compared with a sequence number by mistake.
#pragma once

#include <cstdint>

namespace tunsock {

struct TcpSeq {
  uint32_t v = 0;
  constexpr TcpSeq() = default;
  constexpr explicit TcpSeq(uint32_t x) : v(x) {}
  // Signed distance a - b: valid while the two are within 2^31 of each other.
  friend constexpr int32_t operator-(TcpSeq a, TcpSeq b) { return int32_t(a.v - b.v); }
  friend constexpr TcpSeq operator+(TcpSeq a, int64_t n) { return TcpSeq(uint32_t(a.v + uint32_t(n))); }
  friend constexpr TcpSeq operator-(TcpSeq a, int64_t n) { return TcpSeq(uint32_t(a.v - uint32_t(n))); }
  TcpSeq& operator+=(int64_t n) { v += uint32_t(n); return *this; }
  TcpSeq& operator-=(int64_t n) { v -= uint32_t(n); return *this; }
  friend constexpr bool operator==(TcpSeq a, TcpSeq b) { return a.v == b.v; }
  friend constexpr bool operator!=(TcpSeq a, TcpSeq b) { return a.v != b.v; }
  friend constexpr bool operator<(TcpSeq a, TcpSeq b) { return (a - b) < 0; }
  friend constexpr bool operator<=(TcpSeq a, TcpSeq b) { return (a - b) <= 0; }
  friend constexpr bool operator>(TcpSeq a, TcpSeq b) { return (a - b) > 0; }
  friend constexpr bool operator>=(TcpSeq a, TcpSeq b) { return (a - b) >= 0; }
};

inline constexpr TcpSeq seq_max(TcpSeq a, TcpSeq b) { return a > b ? a : b; }
inline constexpr TcpSeq seq_min(TcpSeq a, TcpSeq b) { return a < b ? a : b; }

static_assert(TcpSeq(0xfffffff0u) < TcpSeq(0x10u), "wraps");
static_assert(TcpSeq(5) + 10 == TcpSeq(15));
static_assert(TcpSeq(1) - TcpSeq(0xffffffffu) == 2);

}  // namespace tunsock
