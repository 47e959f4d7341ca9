// ifnet: the seam between the stack and whatever moves packets (a TUN
// device in the daemon, loopback, the in-memory link of the tests). An
// interface belongs to the stack, not to a domain: it holds one address list
// per family and hands each received packet to the domain of its family
// (if_input -> Domain::dom_ifinput: ip_input or ip6_input). Nothing here
// knows IPv4 or IPv6 beyond the version nibble and the address records.
// FreeBSD: sys/net/if_var.h (struct ifnet, if_input/if_transmit), if.c,
// netisr.c (dispatch by protocol family). Counters follow `ip -s link`.
//
// IPv4 addresses are in HOST byte order (uint32_t, 10.77.0.2 == 0x0a4d0002)
// everywhere in the stack; sockaddr_in and the wire carry network order.
// IPv6 addresses are 16 bytes in network order (In6Addr).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kern/mbuf.hpp"

namespace tunsock {

class Stack;
struct Inet;  // netinet/in_var.hpp

// if_flags (Linux's values, as SIOCGIFFLAGS reports them)
inline constexpr uint32_t IFF_UP = 0x1;
inline constexpr uint32_t IFF_BROADCAST = 0x2;
inline constexpr uint32_t IFF_LOOPBACK = 0x8;
inline constexpr uint32_t IFF_POINTOPOINT = 0x10;
inline constexpr uint32_t IFF_RUNNING = 0x40;

// Per-interface counters, `ip -s link` (struct rtnl_link_stats64 subset).
struct IfData {
  uint64_t rx_packets = 0, rx_bytes = 0, rx_errors = 0, rx_dropped = 0;
  uint64_t tx_packets = 0, tx_bytes = 0, tx_errors = 0, tx_dropped = 0;
};

// One IPv4 address of an interface (FreeBSD struct in_ifaddr).
struct InIfaddr {
  uint32_t ia_addr = 0;     // host order
  int ia_plen = 0;          // prefix length, 0..32
  uint32_t netmask() const { return ia_plen == 0 ? 0 : ~uint32_t(0) << (32 - ia_plen); }
  uint32_t subnet() const { return ia_addr & netmask(); }
  uint32_t broadcast() const { return ia_addr | ~netmask(); }
};

// An IPv6 address, network byte order (struct in6_addr).
using In6Addr = std::array<uint8_t, 16>;

// in6_ifaddr flags (Linux IFA_F_* / FreeBSD IN6_IFF_*): what `ip -6 addr` shows.
inline constexpr uint32_t IN6_IFF_NODAD = 0x02;  // no duplicate address detection (TUN: none to do)

// One IPv6 address of an interface (FreeBSD struct in6_ifaddr).
struct In6Ifaddr {
  In6Addr ia6_addr{};
  int ia6_plen = 0;            // prefix length, 0..128
  uint32_t ia6_flags = IN6_IFF_NODAD;
};

struct ifnet;

// Stack -> driver: write one complete IP packet (IPv4 or IPv6). m is an mbuf chain with
// M_PKTHDR (m_pkthdr.len == total length), possibly several mbufs and shared
// clusters: write it with writev over the chain, do not flatten. The driver
// ALWAYS consumes m (m_freem), whatever it returns. Return 0, or an errno
// (ENOBUFS when its queue is full): the stack then counts tx_dropped and
// hands the errno to the sender where there is one. The stack has already
// counted tx_packets/tx_bytes when it calls.
using IfTransmit = std::function<int(ifnet& ifp, mbuf* m)>;

struct ifnet {
  std::string if_name;          // "tun0", "lo", "mem0"
  int if_index = 0;             // 1.. within its Stack, never reused
  uint32_t if_mtu = 1500;       // IP packets larger than this are fragmented
  uint32_t if_flags = 0;        // IFF_*
  std::vector<InIfaddr> if_addrs;     // AF_INET (in_add_address)
  std::vector<In6Ifaddr> if_addrs6;   // AF_INET6 (in6_add_address)
  IfData if_data;
  IfTransmit if_transmit;       // null: packets are counted as tx_dropped
  Stack* if_stack = nullptr;
};

// The interface layer's per-Stack state (Stack::net_state): the interfaces
// (FreeBSD V_ifnet) and the packet trace hook.
struct IfState {
  std::vector<std::unique_ptr<ifnet>> ifs;
  std::function<void(const ifnet&, char, const mbuf*)> trace;
};
IfState& if_state(Stack& st);                 // created on first use
const IfState* if_state(const Stack& st);     // nullptr before the first interface

// --- driver -> stack ---
// One received IP packet (an mbuf chain; M_PKTHDR set, m_pkthdr.len right).
// Consumes m. Counts rx_packets/rx_bytes, then hands m to the input of the
// domain of its family (the version nibble: 6 is AF_INET6, anything else
// AF_INET, whose input counts a bad version). No domain: rx_dropped.
// Malformed packets are counted as drops (per-reason in the domain's
// counters, rx_dropped/rx_errors here), never crash. Safe for any bytes at
// all (fuzzed).
void if_input(ifnet& ifp, mbuf* m);
// Convenience for drivers holding a flat buffer (tests, fuzzer): copies.
void if_input_bytes(ifnet& ifp, const void* buf, size_t len);

// Stack -> driver: count, trace and hand m to ifp.if_transmit (consumes m).
void if_output(ifnet& ifp, mbuf* m);

// --- interfaces (daemon start-up, tests) ---
// Add an interface; returns it (owned by the stack, stable address).
// flags gets IFF_UP|IFF_RUNNING added.
ifnet& if_attach(Stack& st, std::string name, uint32_t mtu, uint32_t flags, IfTransmit transmit);
ifnet* if_find(Stack& st, const std::string& name);
ifnet* if_loopback(Stack& st);
// The loopback interface "lo" (IFF_LOOPBACK, MTU 65536), created on the
// first call (net/if_loop.cpp); each domain's attach adds its address.
ifnet& loif_attach(Stack& st);
// Observe every packet in or out of any interface (the daemon logs it with
// wire::tcpdump_line). dir: 'I' in, 'O' out. Null to stop.
void if_set_packet_trace(Stack& st, std::function<void(const ifnet&, char dir, const mbuf*)> fn);
inline void inet_set_packet_trace(Stack& st, std::function<void(const ifnet&, char dir, const mbuf*)> fn) {
  if_set_packet_trace(st, std::move(fn));
}

// --- the inet domain's configuration calls (netinet/in.cpp implements them;
// declared here because every driver makes them; inet6's: netinet6/in6.hpp) ---
// Give st its inet domain (AF_INET: tcp, udp, icmp ping sockets, raw icmp):
// registers the Domain with st.add_domain, the tables with
// st.set_domain_state(AF_INET), and gives "lo" 127.0.0.1/8. Idempotent.
Inet& inet_attach(Stack& st);
Inet* inet_of(Stack& st);        // nullptr before inet_attach
// Assign addr/plen to ifp (inet_attach'ing its stack) and install the
// connected route. EINVAL for a bad prefix, EEXIST when the address is
// already assigned.
int in_add_address(ifnet& ifp, uint32_t addr, int plen);
// Default route via gateway (must be reachable through a connected route,
// else ENETUNREACH). gateway 0 removes the default route.
int route_set_default(Stack& st, uint32_t gateway);

// tcpdump's one-line text of a packet chain (wire::tcpdump_line over its
// first 128 bytes), for the trace hook: "IP 10.77.0.2 > 10.77.0.1: ICMP echo ...".
std::string if_packet_line(const mbuf* m);

// Text views: `ip -s link` for one interface (with its inet and inet6
// addresses); `netstat -s` for ip/icmp/udp.
std::string if_stats_text(const ifnet& ifp);
std::string inet_stats_text(Stack& st);

// Parse / print dotted quads (host order). nullopt-free: returns false on error.
bool inet_pton4(const std::string& s, uint32_t* out);
std::string inet_ntop4(uint32_t addr);

}  // namespace tunsock
