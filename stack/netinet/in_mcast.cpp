// IPv4 multicast for datagram sockets: group memberships per socket
// (IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP), the sending interface
// (IP_MULTICAST_IF), and the host's view of them for input and loop-back.
// RFC 1112 §6 (host extensions, the service interface), with Linux's
// sizes and errnos (ip_sockglue.c, igmp.c: ip_mc_join_group, ip_mc_sf_allow).
// DEVIATION: no IGMP is spoken (a join sends no membership report), and
// source-specific memberships (IP_ADD_SOURCE_MEMBERSHIP, MCAST_*) are
// ENOPROTOOPT.
// FreeBSD: netinet/in_mcast.c.
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netinet/in_var.hpp"

namespace tunsock {

namespace {

ifnet* if_byindex(Inet& in, int index) {
  for (auto& i : if_state(in.st).ifs)
    if (i->if_index == index) return i.get();
  return nullptr;
}

// Linux ip_mc_find_dev: by index, else by address, else the route to the group.
ifnet* mc_find_dev(Inet& in, const ip_mreqn& m) {
  if (m.imr_ifindex) return if_byindex(in, m.imr_ifindex);
  if (m.imr_address.s_addr) return in_addr_ifp(in, ntohl(m.imr_address.s_addr));
  const Route* r = rt_lookup(in, ntohl(m.imr_multiaddr.s_addr));
  return r ? r->ifp : nullptr;
}

// An ip_mreqn from what the user gave (ip_mreqn, ip_mreq, or an in_addr).
ip_mreqn mreqn_of(const Sockopt& s) {
  ip_mreqn m{};
  if (s.sopt_valsize >= sizeof(ip_mreqn)) {
    std::memcpy(&m, s.sopt_val, sizeof m);
  } else if (s.sopt_valsize >= sizeof(ip_mreq)) {
    ip_mreq q;
    std::memcpy(&q, s.sopt_val, sizeof q);
    m.imr_multiaddr = q.imr_multiaddr;
    m.imr_address = q.imr_interface;
  } else if (s.sopt_valsize >= sizeof(in_addr)) {
    std::memcpy(&m.imr_address, s.sopt_val, sizeof(in_addr));
  }
  return m;
}

bool is_multicast(uint32_t a) { return (a >> 28) == 0xe; }

}  // namespace

int in_mcast_ctloutput(Socket& so, InPcb& inp, Sockopt& s) {
  Inet& in = inet(*so.so_stack);
  const bool set = s.sopt_dir == SOPT_SET;
  switch (s.sopt_name) {
    case IP_MULTICAST_IF: {
      if (!set) {
        in_addr a{htonl(inp.inp_mcast_addr)};
        return sooptcopyout(s, &a, sizeof a);
      }
      if (s.sopt_valsize < sizeof(in_addr)) return EINVAL;
      ip_mreqn m = mreqn_of(s);
      if (!m.imr_ifindex && !m.imr_address.s_addr) {  // back to the routing table's choice
        inp.inp_mcast_addr = 0;
        inp.inp_mcast_ifindex = 0;
        return 0;
      }
      ifnet* ifp = m.imr_ifindex ? if_byindex(in, m.imr_ifindex) : in_addr_ifp(in, ntohl(m.imr_address.s_addr));
      if (!ifp) return EADDRNOTAVAIL;
      inp.inp_mcast_addr = ntohl(m.imr_address.s_addr);
      inp.inp_mcast_ifindex = ifp->if_index;
      return 0;
    }
    case IP_ADD_MEMBERSHIP:
    case IP_DROP_MEMBERSHIP: {
      if (!set) return ENOPROTOOPT;
      if (s.sopt_valsize < sizeof(ip_mreq)) return EINVAL;
      ip_mreqn m = mreqn_of(s);
      const uint32_t group = ntohl(m.imr_multiaddr.s_addr);
      ifnet* ifp = mc_find_dev(in, m);
      auto it = std::find_if(inp.inp_mships.begin(), inp.inp_mships.end(),
                             [&](const auto& p) { return p.first == group && p.second == ifp; });
      if (s.sopt_name == IP_DROP_MEMBERSHIP) {
        if (!ifp && !m.imr_ifindex && !m.imr_address.s_addr) return ENODEV;
        if (it == inp.inp_mships.end()) return EADDRNOTAVAIL;
        inp.inp_mships.erase(it);
        return 0;
      }
      if (!is_multicast(group)) return EINVAL;
      if (!ifp) return ENODEV;
      if (it != inp.inp_mships.end()) return EADDRINUSE;
      if (inp.inp_mships.size() >= 20) return ENOBUFS;  // Linux igmp_max_memberships
      inp.inp_mships.emplace_back(group, ifp);
      return 0;
    }
    default:
      return ENOPROTOOPT;
  }
}

bool in_mcast_host_member(const Inet& in, uint32_t group, const ifnet* ifp) {
  for (const std::list<InPcb*>* pcbs : {&in.udb, &in.ulitecb})  // UDP and UDP-Lite sockets join groups
    for (const InPcb* inp : *pcbs)
      for (const auto& [g, i] : inp->inp_mships)
        if (g == group && i == ifp) return true;
  return false;
}

bool in_mcast_allow(const Inet& in, const InPcb& inp, uint32_t group, const ifnet* ifp) {
  // Linux ip_mc_sf_allow: a socket that did not join this group gets it when
  // IP_MULTICAST_ALL is on (and the host joined it, or it would not be here).
  for (const auto& [g, i] : inp.inp_mships)
    if (g == group && i == ifp) return true;
  return inp.inp_mcast_all && in_mcast_host_member(in, group, ifp);
}

ifnet* in_mcast_ifp(Inet& in, const InPcb& inp, uint32_t* src) {
  ifnet* ifp = nullptr;
  if (inp.inp_mcast_ifindex) ifp = if_byindex(in, inp.inp_mcast_ifindex);
  if (!ifp) return nullptr;
  if (!*src) *src = inp.inp_mcast_addr ? inp.inp_mcast_addr : (ifp->if_addrs.empty() ? 0 : ifp->if_addrs[0].ia_addr);
  return ifp;
}

}  // namespace tunsock
