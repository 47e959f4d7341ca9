// What a driver (the daemon, tests) needs of the inet6 domain: attaching it
// to a Stack, addresses, the default route, and the counters' text.
// FreeBSD: netinet6/in6.c (in6_control), in6_proto.c.
#pragma once

#include <string>

#include "kern/stack.hpp"
#include "net/if.hpp"

namespace tunsock {

struct Inet6;

// Give st its inet6 domain: registers the Domain (st.add_domain), its tables
// (st.set_domain_state(AF_INET6)), ICMPv6 in its protocol table, and ::1/128
// on "lo". Idempotent.
Inet6& inet6_attach(Stack& st);
Inet6* inet6_of(Stack& st);  // nullptr before inet6_attach
// Assign addr/plen to ifp (inet6_attach'ing its stack) and install the
// connected route. On a TUN device there is no neighbour discovery to do
// (no link-layer addresses, no DAD: RFC 4862 §5.4 needs a multicast-capable
// link), so the address is usable at once (IN6_IFF_NODAD). EINVAL for a bad
// prefix length or a multicast/unspecified address, EEXIST when assigned.
int in6_add_address(ifnet& ifp, const In6Addr& addr, int plen);
// The default route via gateway (a link-local or on-link address; nothing
// to resolve on a TUN link). ENETUNREACH when no interface reaches it;
// gateway :: removes the route.
int route6_set_default(Stack& st, const In6Addr& gateway);
// net.ipv6.bindv6only: whether new inet6 sockets start with IPV6_V6ONLY
// (Linux default 0: they take IPv4 too, through v4-mapped addresses).
// false before inet6_attach.
bool in6_bindv6only(Stack& st);
void in6_set_bindv6only(Stack& st, bool on);
// `netstat -s -f inet6` for ip6/icmp6.
std::string inet6_stats_text(Stack& st);

}  // namespace tunsock
