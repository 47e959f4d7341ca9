// Wire formats of IPv4, ICMP and UDP: byte helpers, the Internet checksum,
// validated header reprs parsed from bytes and emitted back, and the
// tcpdump-style one-line packet formatter. No mbufs, no state.
// RFC 791 §3.1 (IPv4 header), RFC 792 (ICMP), RFC 768 (UDP), RFC 1071 (checksum).
// FreeBSD: netinet/ip.h, ip_icmp.h, udp.h, in_cksum.c.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace tunsock::wire {

using Bytes = std::span<const std::byte>;

inline uint16_t get16(const std::byte* p) { return uint16_t((uint16_t(p[0]) << 8) | uint16_t(p[1])); }
inline uint32_t get32(const std::byte* p) { return (uint32_t(get16(p)) << 16) | get16(p + 2); }
inline void put16(std::byte* p, uint16_t v) { p[0] = std::byte(v >> 8); p[1] = std::byte(v & 0xff); }
inline void put32(std::byte* p, uint32_t v) { put16(p, uint16_t(v >> 16)); put16(p + 2, uint16_t(v)); }

// RFC 1071: 32-bit accumulation of 16-bit big-endian words (odd tail padded).
uint32_t cksum_add(uint32_t sum, Bytes b);
// Fold and complement: the value to store in a checksum field.
uint16_t cksum_finish(uint32_t sum);
inline uint16_t cksum(Bytes b) { return cksum_finish(cksum_add(0, b)); }
// The UDP/TCP pseudo-header sum (RFC 768): addresses host order.
uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

inline constexpr uint8_t IPPROTO_ICMP_ = 1;
inline constexpr uint8_t IPPROTO_UDP_ = 17;
inline constexpr int kIpHdrLen = 20;
inline constexpr uint16_t IP_DF_ = 0x4000;
inline constexpr uint16_t IP_MF_ = 0x2000;
inline constexpr uint16_t IP_OFFMASK_ = 0x1fff;

// Why a header was refused: each has its own drop counter in ip_input.
enum class IpError { kNone, kTooShort, kVersion, kHeaderLen, kTotalLen, kChecksum, kOptions };

// A validated IPv4 header (RFC 791 §3.1). Addresses host order.
struct Ipv4Repr {
  uint8_t hlen = kIpHdrLen;   // bytes, 20..60
  uint8_t tos = 0;
  uint16_t total_len = 0;     // header + payload
  uint16_t id = 0;
  bool df = false, mf = false;
  uint16_t frag_off = 0;      // bytes (field * 8)
  uint8_t ttl = 64;
  uint8_t proto = 0;
  uint32_t src = 0, dst = 0;
  bool is_fragment() const { return mf || frag_off != 0; }
};
// Validate version, IHL, total length against the bytes at hand (the buffer
// may be longer: link padding), checksum, and the option TLVs (RFC 791 §3.1
// "Options": EOL, NOP, and type-length-value with 2 <= length <= the rest).
// pktlen: the packet's whole length when pkt holds only its first bytes
// (at least the header); 0 = pkt.size().
std::optional<Ipv4Repr> ipv4_parse(Bytes pkt, IpError* why = nullptr, size_t pktlen = 0);
// Write a 20-byte header (options none) with its checksum into out[0..20).
void ipv4_emit(std::byte* out, const Ipv4Repr& r);

// ICMP (RFC 792). Type/code numbers as RFC 792.
inline constexpr uint8_t ICMP_ECHOREPLY_ = 0;
inline constexpr uint8_t ICMP_UNREACH_ = 3;
inline constexpr uint8_t ICMP_SOURCEQUENCH_ = 4;
inline constexpr uint8_t ICMP_REDIRECT_ = 5;
inline constexpr uint8_t ICMP_ECHO_ = 8;
inline constexpr uint8_t ICMP_TIMXCEED_ = 11;
inline constexpr uint8_t ICMP_PARAMPROB_ = 12;
inline constexpr uint8_t ICMP_UNREACH_NET_ = 0, ICMP_UNREACH_HOST_ = 1, ICMP_UNREACH_PROTOCOL_ = 2,
                         ICMP_UNREACH_PORT_ = 3, ICMP_UNREACH_NEEDFRAG_ = 4;
inline constexpr int kIcmpHdrLen = 8;
struct IcmpRepr {
  uint8_t type = 0, code = 0;
  uint16_t cksum = 0;
  uint32_t rest = 0;          // id<<16|seq for echo; next-hop MTU for NEEDFRAG
  uint16_t id() const { return uint16_t(rest >> 16); }
  uint16_t seq() const { return uint16_t(rest); }
};
// Needs 8 bytes; verify=true checks the checksum over all of msg.
std::optional<IcmpRepr> icmp_parse(Bytes msg, bool verify);

// UDP (RFC 768).
inline constexpr int kUdpHdrLen = 8;
struct UdpRepr {
  uint16_t sport = 0, dport = 0, len = 0, cksum = 0;
};
// Needs 8 bytes and 8 <= len <= seg.size(). Checksum is not checked here.
std::optional<UdpRepr> udp_parse(Bytes seg);

// tcpdump's one-line format for an IPv4 packet (head may be only the first
// bytes of it; lengths come from the headers), e.g.
//   IP 10.77.0.2 > 10.77.0.1: ICMP echo request, id 3, seq 1, length 64
//   IP 10.77.0.2.40000 > 10.77.0.1.53: UDP, length 30
//   IP 10.77.0.2.40000 > 10.77.0.1.80: Flags [S], seq 1000, win 64240, options [mss 1460], length 0
// TCP sequence numbers absolute as `tcpdump -n -S` (wire/tcpdump.hpp's
// TcpdumpTracker gives tcpdump's relative ones).
// An IPv6 packet gets tcpdump's IP6 summary (ip6.cpp), any other version
// "IP<n> [|ip]".
std::string tcpdump_line(Bytes head);
// tcpdump's line for an IPv6 packet, e.g.
//   IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 16
//   IP6 fe80::1.546 > ff02::1:2.547: UDP, length 56
class TcpdumpTracker;
std::string tcpdump_line6(Bytes head, TcpdumpTracker* t = nullptr);
std::string ip4_str(uint32_t a);  // host order dotted quad

}  // namespace tunsock::wire
