// Wire formats of IPv6 and its extension headers: a validated repr of the
// fixed header, views of the hop-by-hop / destination options, routing and
// fragment headers, the IPv6 pseudo-header sum, and address classes.
// No mbufs, no state. RFC 8200 §3 (header), §4.3-4.6 (extension headers),
// §8.1 (pseudo-header), RFC 4291 §2 (address types), RFC 4443 §2.1 (ICMPv6).
// FreeBSD: netinet/ip6.h, netinet/icmp6.h, netinet6/in6.h (IN6_IS_ADDR_*).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "wire/ip.hpp"

namespace tunsock::wire {

using In6 = std::array<uint8_t, 16>;  // network order (struct in6_addr)

inline constexpr int kIp6HdrLen = 40;
inline constexpr uint32_t kIp6MinMtu = 1280;  // RFC 8200 §5

// Next Header values (RFC 8200 §4, IANA).
inline constexpr uint8_t IPPROTO_HOPOPTS_ = 0, IPPROTO_ROUTING_ = 43, IPPROTO_FRAGMENT_ = 44,
                         IPPROTO_ICMPV6_ = 58, IPPROTO_NONE_ = 59, IPPROTO_DSTOPTS_ = 60;

// ICMPv6 types and codes (RFC 4443 §2.1, §3, §4).
inline constexpr uint8_t ICMP6_DST_UNREACH_ = 1, ICMP6_PACKET_TOO_BIG_ = 2, ICMP6_TIME_EXCEEDED_ = 3,
                         ICMP6_PARAM_PROB_ = 4, ICMP6_ECHO_REQUEST_ = 128, ICMP6_ECHO_REPLY_ = 129,
                         ND_REDIRECT_ = 137;
inline constexpr uint8_t ICMP6_DST_UNREACH_NOROUTE_ = 0, ICMP6_DST_UNREACH_ADDR_ = 3,
                         ICMP6_DST_UNREACH_NOPORT_ = 4;
inline constexpr uint8_t ICMP6_TIME_EXCEED_TRANSIT_ = 0, ICMP6_TIME_EXCEED_REASSEMBLY_ = 1;
inline constexpr uint8_t ICMP6_PARAMPROB_HEADER_ = 0, ICMP6_PARAMPROB_NEXTHEADER_ = 1,
                         ICMP6_PARAMPROB_OPTION_ = 2, ICMP6_PARAMPROB_FIRSTFRAG_ = 3;

// The fixed header (RFC 8200 §3).
struct Ip6Repr {
  uint8_t tclass = 0;
  uint32_t flow = 0;          // 20 bits
  uint16_t plen = 0;          // payload length: everything after these 40 bytes
  uint8_t nxt = 0;
  uint8_t hlim = 64;
  In6 src{}, dst{};
};
enum class Ip6Error { kNone, kTooShort, kVersion, kPayloadLen };
// Validates the version and that the payload length fits in pktlen bytes
// (the buffer holds at least the 40 header bytes; pktlen 0 = b.size()).
std::optional<Ip6Repr> ip6_parse(Bytes b, Ip6Error* why = nullptr, size_t pktlen = 0);
void ip6_emit(std::byte* out, const Ip6Repr& r);  // 40 bytes

// Hop-by-hop and destination options headers (RFC 8200 §4.3, §4.6): next
// header, length in 8-octet units not counting the first 8, then options.
inline int ip6_opthdr_len(const std::byte* h) { return (int(uint8_t(h[1])) + 1) * 8; }
// Option types (RFC 8200 §4.2): the two high bits say what to do with an
// unrecognised one.
inline constexpr uint8_t IP6OPT_PAD1_ = 0, IP6OPT_PADN_ = 1;
enum class Ip6OptAction { kSkip = 0, kDiscard = 1, kDiscardIcmp = 2, kDiscardIcmpUnicast = 3 };
inline Ip6OptAction ip6_opt_action(uint8_t type) { return Ip6OptAction(type >> 6); }

// Routing header (RFC 8200 §4.4): next, length (8-octet units - 1), type, segments left.
struct Ip6RoutingView {
  uint8_t nxt, type, segleft;
  int len;  // bytes
};
std::optional<Ip6RoutingView> ip6_routing_parse(Bytes b);

// Fragment header (RFC 8200 §4.5): 8 bytes.
inline constexpr int kIp6FragHdrLen = 8;
struct Ip6FragView {
  uint8_t nxt = 0;
  uint16_t off = 0;   // bytes (the 13-bit field * 8)
  bool m = false;     // more fragments
  uint32_t id = 0;
  bool atomic() const { return off == 0 && !m; }  // RFC 6946
};
std::optional<Ip6FragView> ip6_frag_parse(Bytes b);
void ip6_frag_emit(std::byte* out, const Ip6FragView& f);

// RFC 8200 §8.1 pseudo-header sum (upper-layer length, next header).
uint32_t pseudo_sum6(const In6& src, const In6& dst, uint32_t len, uint8_t nxt);

// Address classes (RFC 4291 §2.4, §2.5.2-2.5.6, §2.7).
inline bool in6_is_unspecified(const In6& a) { return a == In6{}; }
inline bool in6_is_loopback(const In6& a) { return a == In6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}; }
inline bool in6_is_multicast(const In6& a) { return a[0] == 0xff; }
inline bool in6_is_linklocal(const In6& a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }
inline bool in6_is_v4mapped(const In6& a) {
  return a[10] == 0xff && a[11] == 0xff && In6{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]} == In6{};
}
// The multicast scope (RFC 4291 §2.7: 1 interface, 2 link...); 0xe for unicast globals.
int in6_scope(const In6& a);
// Linux IPV6_ADDR_LINKLOCAL: the addresses a sockaddr_in6 names with a scope
// id (fe80::/10 and link-scope multicast). ::1 has link-local scope for
// source selection (RFC 4007 §4) but binds and arrives without one.
inline bool in6_needs_scope_id(const In6& a) {
  return in6_is_linklocal(a) || (in6_is_multicast(a) && (a[1] & 0xf) == 2);
}
// Whether a's first plen bits equal prefix's.
bool in6_prefix_match(const In6& a, const In6& prefix, int plen);
In6 in6_mask(const In6& a, int plen);
std::string ip6_str(const In6& a);
std::optional<In6> ip6_pton(const std::string& s);

}  // namespace tunsock::wire
