// ifnet: the seam between the stack and whatever moves packets (a TUN
// device in the daemon, loopback, the in-memory link of the tests), and the
// calls a driver makes to give a Stack its inet domain, addresses and routes.
// FreeBSD: sys/net/if_var.h (struct ifnet, if_input/if_transmit), if.c,
// netinet/in.c (in_control). Counters follow `ip -s link`.
//
// Addresses are IPv4 in HOST byte order (uint32_t, 10.77.0.2 == 0x0a4d0002)
// everywhere in the stack; sockaddr_in and the wire carry network order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kern/mbuf.hpp"

namespace tunsock {

class Stack;
struct Inet;

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

struct ifnet;

// Stack -> driver: write one complete IPv4 packet. m is an mbuf chain with
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
  std::vector<InIfaddr> if_addrs;
  IfData if_data;
  IfTransmit if_transmit;       // null: packets are counted as tx_dropped
  Stack* if_stack = nullptr;
};

// --- driver -> stack ---
// One received IPv4 packet (an mbuf chain; M_PKTHDR set, m_pkthdr.len right).
// Consumes m. Counts rx_packets/rx_bytes; malformed packets are counted as
// drops (per-reason in the ip counters, rx_dropped/rx_errors here), never
// crash. Safe for any bytes at all (fuzzed).
void if_input(ifnet& ifp, mbuf* m);
// Convenience for drivers holding a flat buffer (tests, fuzzer): copies.
void if_input_bytes(ifnet& ifp, const void* buf, size_t len);

// --- configuration (daemon start-up, tests) ---
// Give st its inet domain (AF_INET: udp, icmp ping sockets, raw icmp): registers
// the Domain with st.add_domain, the tables with st.set_domain_state(AF_INET),
// and creates "lo" (IFF_LOOPBACK, 127.0.0.1/8, MTU 65536). Idempotent.
Inet& inet_attach(Stack& st);
Inet* inet_of(Stack& st);        // nullptr before inet_attach
// Add an interface; returns it (owned by the stack's Inet, stable address).
// flags gets IFF_UP|IFF_RUNNING added.
ifnet& if_attach(Stack& st, std::string name, uint32_t mtu, uint32_t flags, IfTransmit transmit);
ifnet* if_find(Stack& st, const std::string& name);
ifnet* if_loopback(Stack& st);
// Assign addr/plen to ifp and install the connected route. EINVAL for a bad
// prefix, EEXIST when the address is already assigned.
int in_add_address(ifnet& ifp, uint32_t addr, int plen);
// Default route via gateway (must be reachable through a connected route,
// else ENETUNREACH). gateway 0 removes the default route.
int route_set_default(Stack& st, uint32_t gateway);
// Observe every packet in or out of any interface (the daemon logs it with
// wire::tcpdump_line). dir: 'I' in, 'O' out. Null to stop.
void inet_set_packet_trace(Stack& st, std::function<void(const ifnet&, char dir, const mbuf*)> fn);

// tcpdump's one-line text of a packet chain (wire::tcpdump_line over its
// first 128 bytes), for the trace hook: "IP 10.77.0.2 > 10.77.0.1: ICMP echo ...".
std::string if_packet_line(const mbuf* m);

// Text views: `ip -s link` for one interface; `netstat -s` for ip/icmp/udp.
std::string if_stats_text(const ifnet& ifp);
std::string inet_stats_text(Stack& st);

// Parse / print dotted quads (host order). nullopt-free: returns false on error.
bool inet_pton4(const std::string& s, uint32_t* out);
std::string inet_ntop4(uint32_t addr);

}  // namespace tunsock
