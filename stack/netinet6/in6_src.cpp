// Which of our addresses: the local-address test, the outgoing interface,
// and source address selection (RFC 6724 §5, reduced to what this stack
// assigns: one global address per interface plus its link-local).
// FreeBSD: netinet6/in6_src.c (in6_selectsrc), in6.c (in6ifa_ifwithaddr).
#include <cerrno>

#include "netinet6/in6_var.hpp"

namespace tunsock {

bool in6_localaddr(const Inet6& in6, const In6& a) {
  if (wire::in6_is_loopback(a)) return true;
  return in6_addr_ifp(in6, a) != nullptr;
}

ifnet* in6_addr_ifp(const Inet6& in6, const In6& a) {
  for (auto& i : if_state(in6.st).ifs)
    for (auto& ia : i->if_addrs6)
      if (ia.ia6_addr == a) return i.get();
  return nullptr;
}

ifnet* in6_out_ifp(const Inet6& in6, const In6& dst) {
  // Our own addresses are reached through loopback, as on Linux (local table).
  if (in6_localaddr(in6, dst)) return if_loopback(in6.st);
  const Route6* r = rt6_lookup(in6, dst);
  return r ? r->ifp : nullptr;
}

int in6_selectsrc(const Inet6& in6, const In6& dst, const ifnet* ifp, In6* src) {
  // Rule 1: prefer the destination itself.
  if (in6_localaddr(in6, dst)) {
    *src = dst;
    return 0;
  }
  if (!ifp) ifp = in6_out_ifp(in6, dst);
  if (!ifp) return ENETUNREACH;
  // Rule 2: the scope of the destination. Link-local and link-scope
  // multicast destinations take a link-local source; everything else a
  // global one, the outgoing interface's first (rule 5), then any other
  // interface's (a host with one global address per interface).
  const bool want_ll = wire::in6_scope(dst) <= 2;
  const In6Ifaddr* best = nullptr;
  auto consider = [&](const ifnet& i) {
    for (const In6Ifaddr& ia : i.if_addrs6) {
      if (wire::in6_is_loopback(ia.ia6_addr)) continue;
      const bool ll = wire::in6_is_linklocal(ia.ia6_addr);
      if (ll == want_ll) return &ia;
      if (!best && (!ll || &i == ifp)) best = &ia;  // rule 2's fallback: a scope that still reaches
    }
    return static_cast<const In6Ifaddr*>(nullptr);
  };
  if (const In6Ifaddr* ia = consider(*ifp)) {
    *src = ia->ia6_addr;
    return 0;
  }
  if (!want_ll)
    for (auto& i : if_state(in6.st).ifs)
      if (i.get() != ifp)
        if (const In6Ifaddr* ia = consider(*i)) {
          *src = ia->ia6_addr;
          return 0;
        }
  if (!best) return EADDRNOTAVAIL;
  *src = best->ia6_addr;
  return 0;
}

}  // namespace tunsock
