// The routing table: connected routes (one per interface address, longest
// prefix first) and one default gateway; address classification.
// FreeBSD: sys/net/route.c, netinet/in.c (in_localaddr, in_broadcast).
#include "netinet/in_var.hpp"

namespace tunsock {

const Route* rt_lookup(const Inet& in, uint32_t dst) {
  for (const Route& r : in.routes) {
    uint32_t mask = r.plen == 0 ? 0 : ~uint32_t(0) << (32 - r.plen);
    if ((dst & mask) == r.dst) return &r;
  }
  if (in.defrt.gateway) return &in.defrt;
  return nullptr;
}

bool in_localaddr(const Inet& in, uint32_t a) {
  if ((a >> 24) == 127) return true;
  for (auto& i : in.ifs)
    for (auto& ia : i->if_addrs)
      if (ia.ia_addr == a) return true;
  return false;
}

ifnet* in_addr_ifp(const Inet& in, uint32_t a) {
  for (auto& i : in.ifs)
    for (auto& ia : i->if_addrs)
      if (ia.ia_addr == a) return i.get();
  return nullptr;
}

bool in_broadcast(const Inet& in, uint32_t a) {
  if (a == 0xffffffff) return true;
  for (auto& i : in.ifs)
    for (auto& ia : i->if_addrs)
      if (ia.ia_plen < 31 && a == ia.broadcast()) return true;
  return false;
}

}  // namespace tunsock
