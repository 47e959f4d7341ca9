// The inet routing table: connected routes (one per interface address,
// longest prefix first) and one default gateway; the path MTU per
// destination (RFC 1191, with Linux's min_pmtu, mtu_expires and locking);
// address classification. FreeBSD: netinet/in_rmx.c, in_fib.c, in.c
// (in_localaddr, in_broadcast), tcp_hostcache.c (the MTU part); Linux: ipv4/route.c.
#include <algorithm>
#include <limits>

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

// --- path MTU ---

namespace {

constexpr uint32_t kIpMaxMtu = 65535;  // Linux IP_MAX_MTU

const PmtuEntry* pmtu_entry(const Inet& in, uint32_t dst) {
  auto it = in.pmtu.find(dst);
  if (it == in.pmtu.end() || in.st.now() >= it->second.expires) return nullptr;
  return &it->second;
}

}  // namespace

uint32_t rt_mtu(const Inet& in, uint32_t dst) {
  const ifnet* ifp = nullptr;
  if (in_localaddr(in, dst)) ifp = if_loopback(in.st);
  else if (const Route* r = rt_lookup(in, dst)) ifp = r->ifp;
  return ifp ? std::min(ifp->if_mtu, kIpMaxMtu) : 0;
}

uint32_t ip_pmtu_learned(const Inet& in, uint32_t dst) {
  const PmtuEntry* e = pmtu_entry(in, dst);
  return e ? e->mtu : std::numeric_limits<uint32_t>::max();
}

bool ip_pmtu_locked(const Inet& in, uint32_t dst) {
  const PmtuEntry* e = pmtu_entry(in, dst);
  return e && e->locked;
}

uint32_t ip_pmtu(const Inet& in, uint32_t dst) {
  uint32_t mtu = rt_mtu(in, dst);
  return mtu ? std::min(mtu, ip_pmtu_learned(in, dst)) : 0;
}

void ip_pmtu_update(Inet& in, uint32_t dst, uint32_t mtu) {
  const Time now = in.st.now();
  const PmtuEntry* cur = pmtu_entry(in, dst);
  if (cur && cur->locked) return;               // Linux ip_mtu_locked
  const uint32_t old = ip_pmtu(in, dst);
  if (old == 0 || old < mtu) return;            // no path, or news of a larger MTU: RFC 1191 §6.3 ignores it
  bool lock = false;
  if (mtu < in.min_pmtu) {
    // Linux: never below min_pmtu (552); the route is locked, so WANT
    // sockets send without DF and a router that cannot pass 552 fragments.
    lock = true;
    mtu = std::min(old, in.min_pmtu);
  }
  // The same value again only refreshes the timer once half of it is gone.
  if (cur && cur->mtu == mtu && !lock && now < cur->expires - in.mtu_expires / 2) return;
  if (!cur && in.pmtu.size() >= 4096) {
    // Bounded memory: drop what expired, else the entry nearest its end.
    std::erase_if(in.pmtu, [now](const auto& kv) { return now >= kv.second.expires; });
    if (in.pmtu.size() >= 4096)
      in.pmtu.erase(std::min_element(in.pmtu.begin(), in.pmtu.end(), [](const auto& a, const auto& b) {
        return a.second.expires < b.second.expires;
      }));
  }
  in.pmtu[dst] = PmtuEntry{mtu, lock, now + in.mtu_expires};
}

bool in_localaddr(const Inet& in, uint32_t a) {
  if ((a >> 24) == 127) return true;
  for (auto& i : if_state(in.st).ifs)
    for (auto& ia : i->if_addrs)
      if (ia.ia_addr == a) return true;
  return false;
}

ifnet* in_addr_ifp(const Inet& in, uint32_t a) {
  for (auto& i : if_state(in.st).ifs)
    for (auto& ia : i->if_addrs)
      if (ia.ia_addr == a) return i.get();
  return nullptr;
}

bool in_broadcast(const Inet& in, uint32_t a) {
  if (a == 0xffffffff) return true;
  for (auto& i : if_state(in.st).ifs)
    for (auto& ia : i->if_addrs)
      if (ia.ia_plen < 31 && a == ia.broadcast()) return true;
  return false;
}

}  // namespace tunsock
