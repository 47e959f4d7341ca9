// Keyed hashes for TCP connection setup: initial sequence numbers (RFC 6528)
// and ephemeral port selection per destination (RFC 6056 §3.3.4, Algorithm 4,
// as Linux __inet_hash_connect with its table_perturb). The keys come from the
// Stack's injected Rng at inet_attach, so tests are deterministic.
// Linux: net/core/secure_seq.c, net/ipv4/inet_hashtables.c.
#pragma once

#include <cstdint>
#include <functional>

#include "wire/ip6_hdr.hpp"

namespace tunsock {

struct Inet;

// Linux ip_local_port_range default.
inline constexpr uint16_t kEphemeralLow = 32768, kEphemeralHigh = 60999;

// RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
// M a clock ticking every 64 ns (Linux ktime_get_real_ns() >> 6) on the stack's
// clock plus Inet::wall_offset, F SipHash-2-4 under Inet::isn_key.
uint32_t in_isn(Inet& in, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport);

// RFC 6056 §3.3.4 (double-hash): the search starts at an offset keyed on
// (laddr, faddr, fport) plus a perturbation kept per hash bucket, walks the
// even ports of the range from there, then the odd ones (Linux), and takes
// the first port usable(port) accepts; the bucket then moves on so the next
// connection to the same destination starts further along. Every port of
// kEphemeralLow..kEphemeralHigh is offered at most once; 0 when none is usable.
uint16_t in_ephemeral_port(Inet& in, uint32_t laddr, uint32_t faddr, uint16_t fport,
                           const std::function<bool(uint16_t)>& usable);

// The same for IPv6 addresses, under the same keys (Linux secure_tcpv6_seq,
// secure_ipv6_port_ephemeral: SipHash over the addresses' 32 bytes).
uint32_t in6_isn(Inet& in, const wire::In6& laddr, uint16_t lport, const wire::In6& faddr, uint16_t fport);
uint16_t in6_ephemeral_port(Inet& in, const wire::In6& laddr, const wire::In6& faddr, uint16_t fport,
                            const std::function<bool(uint16_t)>& usable);

}  // namespace tunsock
