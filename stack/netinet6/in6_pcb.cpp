// Inet6 sockets on the shared InPcb (UDP, UDP-Lite, TCP): bind, connect,
// lookup and names, with Linux's dual-stack rules: a socket on :: without
// IPV6_V6ONLY takes IPv4 too, one bound or connected to ::ffff:a.b.c.d is
// an IPv4 socket (the IPv4 code carries it, names render v4-mapped), the
// port space is shared with inet (in_pcbgetport's cross-family conflicts).
// FreeBSD: netinet6/in6_pcb.c; Linux: ipv6/af_inet6.c (__inet6_bind),
// datagram.c (__ip6_datagram_connect), udp.c (compute_score).
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "netinet/in_var.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

constexpr int kIpUnprivilegedPortStart = 1024;

bool v4_local_ok(const Inet& in, const InPcb& inp, uint32_t a) {
  // Linux inet_addr_valid_or_nonlocal: any, local, multicast, broadcast.
  return !a || in_localaddr(in, a) || in_broadcast(in, a) || (a >> 28) == 0xe || inp.inp_freebind ||
         inp.inp_transparent;
}

sockaddr_in6 sin6_of(const SockAddr& nam) {
  sockaddr_in6 s{};
  std::memcpy(&s, &nam.ss, std::min<size_t>(nam.len, sizeof s));
  return s;
}

// The link-local checks of __inet6_bind: a scope id naming an interface
// holding the address.
int bind_scoped(const Inet6& in6, const InPcb& inp, const SockAddr& nam, const In6& a) {
  const sockaddr_in6 s = sin6_of(nam);
  const int idx = nam.len >= sizeof(sockaddr_in6) ? int(s.sin6_scope_id) : 0;
  if (!idx) return EINVAL;  // binding to a link-local address needs an interface
  const IfState* ifs = if_state(static_cast<const Stack&>(in6.st));
  const ifnet* dev = nullptr;
  if (ifs)
    for (auto& i : ifs->ifs)
      if (i->if_index == idx) dev = i.get();
  if (!dev) return ENODEV;
  if (wire::in6_is_multicast(a) || inp.inp_freebind || inp.inp_transparent) return 0;
  return in6_addr_ifp(in6, a) == dev ? 0 : EADDRNOTAVAIL;
}

}  // namespace

In6 in6_mapped(uint32_t v4) {
  In6 a{};
  a[10] = a[11] = 0xff;
  wire::put32(reinterpret_cast<std::byte*>(&a[12]), v4);
  return a;
}

uint32_t in6_mapped_v4(const In6& a) { return wire::get32(reinterpret_cast<const std::byte*>(&a[12])); }

int in6_sockaddr_v4(uint32_t a, uint16_t port, SockAddr* nam) { return in6_sockaddr(in6_mapped(a), port, nam); }

int in6_pcbbind(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr* nam, const Td& td) {
  if (!nam) return in_pcbgetport(in, head, inp, 0);  // implicit: the address stays
  const Inet6& in6 = inet6(in.st);
  if (nam->len < 24) return EINVAL;  // SIN6_LEN_RFC2133
  if (nam->family() != AF_INET6) return EAFNOSUPPORT;
  In6 a;
  uint16_t port;
  if (int e = in6_getsin6(*nam, &a, &port)) return e;
  if (port && port < kIpUnprivilegedPortStart && td.cred.uid != 0) return EACCES;
  if (inp.inp_lport || (inp.inp_socket->so_state & SS_ISCONNECTED)) return EINVAL;  // active or bound
  const bool mapped = wire::in6_is_v4mapped(a), any = wire::in6_is_unspecified(a);
  uint32_t v4 = 0;
  if (mapped) {
    if (inp.in6p.v6only) return EINVAL;  // "makes no sense" (Linux)
    v4 = in6_mapped_v4(a);
    if (!v4_local_ok(in, inp, v4)) return EADDRNOTAVAIL;
  } else if (!any) {
    if (wire::in6_needs_scope_id(a)) {
      if (int e = bind_scoped(in6, inp, *nam, a)) return e;
    } else if (!wire::in6_is_multicast(a) && !in6_localaddr(in6, a) && !inp.inp_freebind && !inp.inp_transparent) {
      return EADDRNOTAVAIL;
    }
  }
  const InPcb saved = inp;
  inp.inp_laddr = v4;
  inp.in6p_laddr = a;
  // Linux: a specific IPv6 address makes the socket IPv6-only.
  if (!any && !mapped) inp.in6p.v6only = true;
  inp.inp_vflag = mapped ? INP_IPV4 : inp.in6p.v6only ? INP_IPV6 : INP_IPV4 | INP_IPV6;
  if (!port && inp.inp_bind_noport) {  // IP_BIND_ADDRESS_NO_PORT: the port comes later
    inp.bindaddr_lock = !any;
    return 0;
  }
  if (int e = in_pcbgetport(in, head, inp, port)) {
    inp.inp_laddr = saved.inp_laddr;
    inp.in6p_laddr = saved.in6p_laddr;
    inp.in6p.v6only = saved.in6p.v6only;
    inp.inp_vflag = saved.inp_vflag;
    return e;
  }
  inp.bindaddr_lock = !any;
  return 0;
}

int in6_pcbsrc(const Inet6& in6, const InPcb& inp, const In6& dst, In6* src) {
  if (!wire::in6_is_unspecified(inp.in6p_laddr)) {
    // Linux ip6_dst_lookup_tail: a v4-mapped source cannot reach an IPv6 destination.
    if (wire::in6_is_v4mapped(inp.in6p_laddr)) return EAFNOSUPPORT;
    if (!in6_out_ifp(in6, dst)) return ENETUNREACH;
    *src = inp.in6p_laddr;
    return 0;
  }
  return in6_selectsrc(in6, dst, nullptr, src);
}

namespace {

// The IPv4 half of a dual-stack connect: in_pcbconnect, then the mapped
// mirrors of what it chose.
int connect_v4(Inet& in, std::list<InPcb*>& head, InPcb& inp, uint32_t dst, uint16_t port, const Td& td) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(dst);
  const SockAddr nam = SockAddr::from(&sin, sizeof sin);
  if (int e = in_pcbconnect(in, head, inp, nam, td)) return e;
  inp.inp_vflag = INP_IPV4;
  inp.in6p_faddr = in6_mapped(inp.inp_faddr);
  inp.in6p_laddr = in6_mapped(inp.inp_laddr);
  return 0;
}

}  // namespace

int in6_pcbconnect(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr& nam, const Td& td) {
  if (nam.family() == AF_INET) {  // Linux takes a sockaddr_in on an inet6 datagram socket
    if (inp.in6p.v6only) return EAFNOSUPPORT;
    uint32_t a;
    uint16_t port;
    if (int e = in_getsin(nam, &a, &port)) return e;
    return connect_v4(in, head, inp, a, port, td);
  }
  if (nam.len < 24) return EINVAL;
  if (nam.family() != AF_INET6) return EAFNOSUPPORT;
  In6 dst;
  uint16_t port;
  if (int e = in6_getsin6(nam, &dst, &port)) return e;
  if (wire::in6_is_unspecified(dst)) dst[15] = 1;  // connect to self (BSD'ism kept by Linux)
  if (wire::in6_is_v4mapped(dst)) {
    if (inp.in6p.v6only) return ENETUNREACH;
    return connect_v4(in, head, inp, in6_mapped_v4(dst), port, td);
  }
  const Inet6& in6 = inet6(in.st);
  In6 src;
  if (int e = in6_pcbsrc(in6, inp, dst, &src)) return e;
  if (!inp.inp_lport)
    if (int e = in6_pcbbind(in, head, inp, nullptr, td)) return e;
  if (wire::in6_is_unspecified(inp.in6p_laddr)) inp.in6p_laddr = src;
  inp.in6p_faddr = dst;
  inp.inp_fport = port;
  inp.inp_laddr = inp.inp_faddr = 0;
  inp.in6p_flowinfo = ntohl(sin6_of(nam).sin6_flowinfo) & 0x0fffffff;
  inp.inp_vflag = INP_IPV6;
  Socket& so = *inp.inp_socket;
  so.so_state = (so.so_state & ~SS_ISCONNECTING) | SS_ISCONNECTED;
  return 0;
}

InPcb* in6_pcblookup(std::list<InPcb*>& head, const In6& src, uint16_t sport, const In6& dst, uint16_t dport) {
  InPcb* best = nullptr;
  int best_score = -1;
  for (InPcb* inp : head) {
    if (inp->inp_family != AF_INET6 || !(inp->inp_vflag & INP_IPV6)) continue;
    if (inp->inp_lport != dport || !inp->inp_lport) continue;
    int score = 0;
    if (!wire::in6_is_unspecified(inp->in6p_laddr)) {
      if (inp->in6p_laddr != dst) continue;
      score += 4;
    }
    if (!wire::in6_is_unspecified(inp->in6p_faddr)) {
      if (inp->in6p_faddr != src) continue;
      score += 4;
    }
    if (inp->inp_fport) {
      if (inp->inp_fport != sport) continue;
      score += 4;
    }
    if (score > best_score) {
      best = inp;
      best_score = score;
    }
  }
  // SO_REUSEPORT: the flow's hash picks the member (Linux reuseport_select_sock).
  if (best && (best->inp_socket->so_options & SOF_REUSEPORT)) {
    std::vector<InPcb*> group;
    for (InPcb* inp : head)
      if (inp->inp_family == AF_INET6 && (inp->inp_vflag & INP_IPV6) && inp->inp_lport == dport &&
          inp->in6p_laddr == best->in6p_laddr && inp->in6p_faddr == best->in6p_faddr &&
          inp->inp_fport == best->inp_fport && (inp->inp_socket->so_options & SOF_REUSEPORT))
        group.push_back(inp);
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the 4-tuple
    auto mix = [&h](uint8_t b) { h = (h ^ b) * 0x100000001b3ull; };
    for (uint8_t b : src) mix(b);
    for (uint8_t b : dst) mix(b);
    mix(uint8_t(sport >> 8)), mix(uint8_t(sport)), mix(uint8_t(dport >> 8)), mix(uint8_t(dport));
    best = group[h % group.size()];
  }
  return best;
}

int in6_pcbsockaddr(const InPcb& inp, bool peer, SockAddr* nam) {
  const uint16_t port = peer ? inp.inp_fport : inp.inp_lport;
  if (inp.inp_vflag == INP_IPV4) return in6_sockaddr_v4(peer ? inp.inp_faddr : inp.inp_laddr, port, nam);
  return in6_sockaddr(peer ? inp.in6p_faddr : inp.in6p_laddr, port, nam);
}

bool in6_bindv6only(Stack& st) {
  const Inet6* in6 = inet6_of(st);
  return in6 && in6->bindv6only;
}

void in6_set_bindv6only(Stack& st, bool on) { inet6_attach(st).bindv6only = on; }

}  // namespace tunsock
