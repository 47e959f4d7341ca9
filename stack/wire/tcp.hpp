// Wire format of TCP: the header and its options as a validated repr parsed
// from bytes and emitted back in Linux's option layouts. No mbufs, no state.
// RFC 9293 §3.1 (header), §3.2 (options, MSS); RFC 7323 §2, §3 (window scale,
// timestamps); RFC 2018 §2, §3 (SACK-permitted, SACK blocks).
// FreeBSD: netinet/tcp.h; Linux: tcp_options_write(), tcp_parse_options().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "wire/ip.hpp"

// glibc's <netinet/tcp.h> defines TH_FIN..TH_CWR as macros (same values),
// which would turn wire::TH_FIN into "wire::0x01". Include it once here so
// its guard holds, and replace its macros by the constants below.
#include <netinet/tcp.h>
#undef TH_FIN
#undef TH_SYN
#undef TH_RST
#undef TH_PUSH
#undef TH_ACK
#undef TH_URG
#undef TH_ECE
#undef TH_CWR

namespace tunsock::wire {

inline constexpr uint8_t IPPROTO_TCP_ = 6;
inline constexpr int kTcpHdrLen = 20;            // without options
inline constexpr int kTcpMaxOptLen = 40;
inline constexpr uint8_t TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PUSH = 0x08,
                         TH_ACK = 0x10, TH_URG = 0x20, TH_ECE = 0x40, TH_CWR = 0x80;

// Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018).
inline constexpr uint8_t TCPOPT_EOL_ = 0, TCPOPT_NOP_ = 1, TCPOPT_MAXSEG_ = 2, TCPOPT_WINDOW_ = 3,
                         TCPOPT_SACK_PERMITTED_ = 4, TCPOPT_SACK_ = 5, TCPOPT_TIMESTAMP_ = 8;
inline constexpr int kTcpMaxSack = 4;            // 2 + 4*8 = 34 bytes: the most that fits

struct SackBlock { uint32_t start = 0, end = 0; };          // RFC 2018 §3: left, right edge
struct TcpOptions {                                         // RFC 9293 §3.2, RFC 7323, RFC 2018
  std::optional<uint16_t> mss;                              // kind 2
  std::optional<uint8_t> wscale;                            // kind 3 (value as sent, may be > 14)
  bool sack_permitted = false;                              // kind 4
  bool has_ts = false; uint32_t ts_val = 0, ts_ecr = 0;     // kind 8
  uint8_t nsack = 0; SackBlock sack[kTcpMaxSack];           // kind 5
};
enum class TcpError { kNone, kTooShort, kDataOffset, kOptions };
struct TcpRepr {
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;          // TH_*
  uint16_t win = 0;           // raw field (unscaled)
  uint16_t urp = 0;
  uint16_t cksum = 0;         // as parsed; ignored by emit
  uint8_t hlen = kTcpHdrLen;  // header + options bytes, as parsed (emit computes its own)
  TcpOptions opts;
};

// Validates data offset (>= 5, <= seg.size()) and option TLVs (RFC 9293 §3.2:
// EOL, NOP, kind-length with length >= 2 inside the header; known kinds with a
// wrong length are kOptions). Does not verify the checksum. Payload = seg.subspan(hlen).
// Unknown kinds are skipped; a repeated kind keeps its last value.
std::optional<TcpRepr> tcp_parse(Bytes seg, TcpError* why = nullptr);
// Bytes emit will write for these options, padded to a multiple of 4.
// SACK blocks that would not fit in 40 bytes are left out (with timestamps
// at most 3 fit, as Linux sends).
size_t tcp_options_len(const TcpOptions& o);
// Write header + options (Linux's layouts: SYN "mss,sackOK,TS,nop,wscale";
// data "nop,nop,TS" then "nop,nop,sack N"), checksum field 0. Returns hlen.
size_t tcp_emit(std::byte* out, const TcpRepr& r);
inline void tcp_set_cksum(std::byte* tcphdr, uint16_t c) { put16(tcphdr + 16, c); }

// The checksum to store for segment seg (header with checksum field 0, and
// payload) between src and dst (host order), RFC 9293 §3.1.
inline uint16_t tcp_cksum(uint32_t src, uint32_t dst, Bytes seg) {
  return cksum_finish(cksum_add(pseudo_sum(src, dst, IPPROTO_TCP_, uint16_t(seg.size())), seg));
}
// SACK blocks that fit next to the other options (what emit writes).
uint8_t tcp_sack_fit(const TcpOptions& o);

}  // namespace tunsock::wire
