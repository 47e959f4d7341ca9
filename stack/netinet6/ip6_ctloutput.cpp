// SOL_IPV6 socket options of inet6 sockets on the InPcb (UDP, UDP-Lite,
// TCP), with Linux's sizes, ranges and errnos (RFC 3493 §5.1-5.2, RFC 3542
// §4-6), the receive cmsgs (IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS) and
// sendmsg's SOL_IPV6 control. A v4-mapped socket keeps its SOL_IP options
// (in_ctloutput), as Linux's ipv6_setsockopt hands SOL_IP to IPv4.
// FreeBSD: netinet6/ip6_output.c (ip6_ctloutput); Linux: ipv6/ipv6_sockglue.c,
// datagram.c (ip6_datagram_recv_ctl, ip6_datagram_send_ctl), mcast.c.
#include <time.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netinet/in_var.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

constexpr int kEcnMask = 0x3;  // Linux INET_ECN_MASK

const ifnet* if_byindex(const Stack& st, int idx) {
  if (const IfState* ifs = if_state(st))
    for (auto& i : ifs->ifs)
      if (i->if_index == idx) return i.get();
  return nullptr;
}

// The socket's path MTU towards its peer (Linux dst_mtu of the cached
// route), 0 when it has none: unconnected.
int sock_mtu(Socket& so, const InPcb& inp) {
  if (!(so.so_state & SS_ISCONNECTED)) return 0;
  if (inp.inp_vflag == INP_IPV4) return int(ip_pmtu(inet(*so.so_stack), inp.inp_faddr));
  // Linux ip6_mtu: the device's MTU up to IP6_MAX_MTU (65535 + the 40-byte
  // header: lo's 65536 shows), or what Packet Too Big taught.
  const Inet6& in6 = inet6(*so.so_stack);
  const ifnet* ifp = in6_out_ifp(in6, inp.in6p_faddr);
  if (!ifp) return 0;
  const uint32_t dev = std::min<uint32_t>(ifp->if_mtu, 65535 + wire::kIp6HdrLen);
  const uint32_t path = ip6_pmtu(in6, inp.in6p_faddr);  // capped at 65535
  return int(path < std::min<uint32_t>(dev, 65535) ? path : dev);
}

// IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP (Linux ipv6_sock_mc_join, _drop).
int mcast_opt(Socket& so, In6PcbOpts& o, const Sockopt& s) {
  if (s.sopt_valsize < sizeof(ipv6_mreq)) return EINVAL;
  if (so.so_type == SOCK_STREAM) return EPROTO;  // Linux: not on connection sockets
  ipv6_mreq mr;
  std::memcpy(&mr, s.sopt_val, sizeof mr);
  In6 group;
  std::memcpy(group.data(), &mr.ipv6mr_multiaddr, 16);
  const int idx = int(mr.ipv6mr_interface);
  if (!wire::in6_is_multicast(group)) return EINVAL;
  auto& ms = o.mships;
  auto same = [&](const std::pair<In6, int>& m) { return m.first == group && (idx == 0 || m.second == idx); };
  if (s.sopt_name == IPV6_JOIN_GROUP) {
    if (std::any_of(ms.begin(), ms.end(), same)) return EADDRINUSE;
    const Inet6& in6 = inet6(*so.so_stack);
    const ifnet* dev = idx ? if_byindex(*so.so_stack, idx) : nullptr;
    if (!idx)
      if (const Route6* r = rt6_lookup(in6, group)) dev = r->ifp;
    if (!dev) return ENODEV;
    if (ms.size() >= 20) return ENOBUFS;  // Linux net.core.optmem_max / IPV6_MAX_MEMBERSHIPS... (sysctl_mld_max_msf)
    ms.emplace_back(group, dev->if_index);
    return 0;
  }
  auto it = std::find_if(ms.begin(), ms.end(), same);
  if (it == ms.end()) return EADDRNOTAVAIL;
  ms.erase(it);
  return 0;
}

int get_opt(Socket& so, Ip6OptTarget& t, Sockopt& s) {
  const In6PcbOpts& o = t.o;
  const Inet6& in6 = inet6(*so.so_stack);
  int v = 0;
  switch (s.sopt_name) {
    case IPV6_V6ONLY: v = o.v6only; break;
    case IPV6_UNICAST_HOPS: v = o.hlim < 0 ? in6.hlim : o.hlim; break;
    case IPV6_MULTICAST_HOPS: v = o.mcast_hops; break;
    case IPV6_MULTICAST_LOOP: v = o.mcast_loop; break;
    case IPV6_MULTICAST_IF: v = o.mcast_ifindex; break;
    case IPV6_TCLASS: v = o.tclass; break;
    case IPV6_RECVPKTINFO: v = o.recvpktinfo; break;
    case IPV6_RECVHOPLIMIT: v = o.recvhoplimit; break;
    case IPV6_RECVTCLASS: v = o.recvtclass; break;
    case IPV6_2292PKTINFO: v = o.recv2292pktinfo; break;
    case IPV6_2292HOPLIMIT: v = o.recv2292hoplimit; break;
    case IPV6_RECVERR: v = o.recverr; break;
    case IPV6_MTU_DISCOVER: v = o.mtu_discover; break;
    case IPV6_DONTFRAG: v = o.dontfrag; break;
    case IPV6_FREEBIND:
      if (!t.freebind) return ENOPROTOOPT;
      v = *t.freebind;
      break;
    case IPV6_MTU:
      // Linux: the cached route's MTU; none (unconnected) is ENOTCONN.
      if (!(v = t.mtu)) return ENOTCONN;
      break;
    case IPV6_RECVPATHMTU: v = o.recvpathmtu; break;
    case IPV6_PATHMTU: {
      // Linux ipv6_getsockopt: a whole ip6_mtuinfo or EINVAL, then the
      // cached route's MTU (ENOTCONN without one); the address stays zero.
      if (s.sopt_valsize < sizeof(ip6_mtuinfo)) return EINVAL;
      if (!t.mtu) return ENOTCONN;
      ip6_mtuinfo mi{};
      mi.ip6m_mtu = uint32_t(t.mtu);
      return sooptcopyout(s, &mi, sizeof mi);
    }
    default: return ENOPROTOOPT;
  }
  return sooptcopyout(s, &v, sizeof v);  // Linux: min(len, sizeof(int)) bytes
}

bool* flag_of(Ip6OptTarget& t, int name) {
  switch (name) {
    case IPV6_RECVPKTINFO: return &t.o.recvpktinfo;
    case IPV6_RECVHOPLIMIT: return &t.o.recvhoplimit;
    case IPV6_RECVTCLASS: return &t.o.recvtclass;
    case IPV6_2292PKTINFO: return &t.o.recv2292pktinfo;
    case IPV6_2292HOPLIMIT: return &t.o.recv2292hoplimit;
    case IPV6_DONTFRAG: return &t.o.dontfrag;
    case IPV6_RECVPATHMTU: return &t.o.recvpathmtu;
    case IPV6_FREEBIND: return t.freebind;
    default: return nullptr;
  }
}

int set_opt(Socket& so, Ip6OptTarget& t, Sockopt& s) {
  In6PcbOpts& o = t.o;
  if (s.sopt_name == IPV6_JOIN_GROUP || s.sopt_name == IPV6_LEAVE_GROUP) return mcast_opt(so, o, s);
  // Linux do_ipv6_setsockopt: an int; every option here wants all four bytes.
  int v = 0;
  if (s.sopt_val && s.sopt_valsize >= sizeof v) std::memcpy(&v, s.sopt_val, sizeof v);
  const bool known = flag_of(t, s.sopt_name) || s.sopt_name == IPV6_V6ONLY || s.sopt_name == IPV6_UNICAST_HOPS ||
                     s.sopt_name == IPV6_MULTICAST_HOPS || s.sopt_name == IPV6_MULTICAST_LOOP ||
                     s.sopt_name == IPV6_MULTICAST_IF || s.sopt_name == IPV6_TCLASS || s.sopt_name == IPV6_RECVERR ||
                     s.sopt_name == IPV6_MTU_DISCOVER || s.sopt_name == IPV6_MTU;
  if (!known) return ENOPROTOOPT;
  if (s.sopt_valsize < sizeof v) return EINVAL;
  if (bool* f = flag_of(t, s.sopt_name)) {
    *f = v != 0;
    return 0;
  }
  switch (s.sopt_name) {
    case IPV6_V6ONLY:
      if (t.bound) return EINVAL;  // Linux: not once bound (inet_num)
      o.v6only = v != 0;
      if (t.vflag && *t.vflag != INP_IPV4) *t.vflag = o.v6only ? INP_IPV6 : INP_IPV4 | INP_IPV6;
      return 0;
    case IPV6_UNICAST_HOPS:
      if (v < -1 || v > 255) return EINVAL;
      o.hlim = v;
      return 0;
    case IPV6_MULTICAST_HOPS:
      if (so.so_type == SOCK_STREAM) return ENOPROTOOPT;
      if (v < -1 || v > 255) return EINVAL;
      o.mcast_hops = v == -1 ? 1 : v;  // IPV6_DEFAULT_MCASTHOPS
      return 0;
    case IPV6_MULTICAST_LOOP:
      if (v != 0 && v != 1) return EINVAL;
      o.mcast_loop = v;
      return 0;
    case IPV6_MULTICAST_IF:
      if (so.so_type == SOCK_STREAM) return ENOPROTOOPT;
      if (v && !if_byindex(*so.so_stack, v)) return ENODEV;
      o.mcast_ifindex = v;
      return 0;
    case IPV6_TCLASS:
      if (v < -1 || v > 0xff) return EINVAL;
      if (v == -1) v = 0;  // RFC 3542 §6.5: the default traffic class
      // On a stream socket the ECN bits are TCP's (RFC 3168 §6.1.1).
      if (so.so_type == SOCK_STREAM) v = (v & ~kEcnMask) | (o.tclass & kEcnMask);
      o.tclass = v;
      return 0;
    case IPV6_RECVERR:
      o.recverr = v != 0;
      if (!v && t.errq) t.errq->clear();  // Linux purges the queue
      return 0;
    case IPV6_MTU_DISCOVER:
      if (v < IPV6_PMTUDISC_DONT || v > IPV6_PMTUDISC_OMIT) return EINVAL;
      o.mtu_discover = v;
      return 0;
    case IPV6_MTU:
      if (v && v < int(wire::kIp6MinMtu)) return EINVAL;
      o.mtu = v;
      return 0;
    default:
      return ENOPROTOOPT;
  }
}

}  // namespace

int in6_ctloutput(Socket& so, Sockopt& s) {
  InPcb* inp = sotoinpcb(so);
  if (!inp) return EINVAL;
  // Linux ipv6_setsockopt: SOL_IP goes to IPv4's code (a v4-mapped socket's
  // TTL, TOS, IP_RECVERR...), as do the UDP levels through udp_ctloutput.
  if (s.sopt_level == SOL_IP || s.sopt_level == IPPROTO_UDP || s.sopt_level == IPPROTO_UDPLITE)
    return in_ctloutput(so, s);
  if (s.sopt_level != SOL_IPV6) return ENOPROTOOPT;
  Ip6OptTarget t{inp->in6p};
  t.bound = inp->inp_lport != 0;
  t.vflag = &inp->inp_vflag;
  t.freebind = &inp->inp_freebind;
  t.errq = &inp->errq;
  if (s.sopt_dir == SOPT_GET && (s.sopt_name == IPV6_MTU || s.sopt_name == IPV6_PATHMTU)) t.mtu = sock_mtu(so, *inp);
  return ip6_ctloutput(so, t, s);
}

int ip6_ctloutput(Socket& so, Ip6OptTarget& t, Sockopt& s) {
  return s.sopt_dir == SOPT_SET ? set_opt(so, t, s) : get_opt(so, t, s);
}

bool in6_mcast_host_member(Stack& st, const In6& group, const ifnet& ifp) {
  const Inet* in = inet_of(st);
  if (!in) return false;
  for (const std::list<InPcb*>* head : {&in->udb, &in->ulitecb})
    for (const InPcb* inp : *head)
      for (const auto& [g, idx] : inp->in6p.mships)
        if (g == group && idx == ifp.if_index) return true;
  return false;
}

Ip6OutOpts in6_outopts(const Inet6& in6, const InPcb& inp, const In6& dst) { return ip6_outopts(in6, inp.in6p, dst); }

Ip6OutOpts ip6_outopts(const Inet6& in6, const In6PcbOpts& p, const In6& dst) {
  Ip6OutOpts o;
  const bool mc = wire::in6_is_multicast(dst);
  o.hlim = mc ? p.mcast_hops : p.hlim;
  o.tclass = uint8_t(p.tclass);
  // Linux ip6_sk_ignore_df: DO, PROBE and INTERFACE never fragment;
  // IPV6_DONTFRAG says the same per socket.
  const int d = p.mtu_discover;
  o.dontfrag = p.dontfrag || d == IPV6_PMTUDISC_DO || d == IPV6_PMTUDISC_PROBE || d == IPV6_PMTUDISC_INTERFACE;
  o.dontfrag_set = p.dontfrag;
  o.ignore_pmtu = d >= IPV6_PMTUDISC_PROBE;  // ip6_setup_cork: the device's MTU
  o.fragsize = uint32_t(p.mtu);
  o.mcast_loop = mc && p.mcast_loop;  // Linux sk_mc_loop (ip6_finish_output2)
  if (mc && p.mcast_ifindex) o.ifp = const_cast<ifnet*>(if_byindex(in6.st, p.mcast_ifindex));
  return o;
}

namespace {

mbuf** tail_of(mbuf** head) {
  while (*head) head = &(*head)->m_next;
  return head;
}

in6_pktinfo pktinfo(const Inet6* in6, const In6& dst, const ifnet* rcvif) {
  // As IPv4's: a datagram looped back to one of our addresses names the
  // interface holding it, not lo.
  if (in6 && rcvif && (rcvif->if_flags & IFF_LOOPBACK) && !wire::in6_is_loopback(dst))
    if (const ifnet* holder = in6_addr_ifp(*in6, dst)) rcvif = holder;
  in6_pktinfo pi{};
  std::memcpy(&pi.ipi6_addr, dst.data(), 16);
  pi.ipi6_ifindex = rcvif ? unsigned(rcvif->if_index) : 0;
  return pi;
}

}  // namespace

mbuf* in6_rcvcontrol(const InPcb& inp, const wire::Ip6Repr& ip, const ifnet* rcvif) {
  return ip6_rcvcontrol(*inp.inp_socket, inp.in6p, ip, rcvif);
}

mbuf* ip6_rcvcontrol(Socket& so, const In6PcbOpts& o, const wire::Ip6Repr& ip, const ifnet* rcvif) {
  mbuf* head = nullptr;
  auto add = [&](mbuf* c) {
    if (c) *tail_of(&head) = c;
  };
  Stack& st = *so.so_stack;
  if (so.so_options & SOF_TIMESTAMP) {
    const Inet* in = inet_of(st);
    Time t = st.now() + (in ? in->wall_offset : Time{0});
    timeval tv{};
    tv.tv_sec = time_t(t.count() / 1000000000);
    tv.tv_usec = suseconds_t((t.count() % 1000000000) / 1000);
    add(in_cmsg(SOL_SOCKET, SO_TIMESTAMP_OLD, &tv, sizeof tv));
  }
  if (o.recvpktinfo) {
    in6_pktinfo pi = pktinfo(inet6_of(st), ip.dst, rcvif);
    add(in_cmsg(SOL_IPV6, IPV6_PKTINFO, &pi, sizeof pi));
  }
  if (o.recvhoplimit) {
    int h = ip.hlim;
    add(in_cmsg(SOL_IPV6, IPV6_HOPLIMIT, &h, sizeof h));
  }
  if (o.recvtclass) {
    int tc = ip.tclass;
    add(in_cmsg(SOL_IPV6, IPV6_TCLASS, &tc, sizeof tc));
  }
  // Linux ip6_datagram_recv_specific_ctl: the RFC 2292 forms come last.
  if (o.recv2292pktinfo) {
    in6_pktinfo pi = pktinfo(inet6_of(st), ip.dst, rcvif);
    add(in_cmsg(SOL_IPV6, IPV6_2292PKTINFO, &pi, sizeof pi));
  }
  if (o.recv2292hoplimit) {
    int h = ip.hlim;
    add(in_cmsg(SOL_IPV6, IPV6_2292HOPLIMIT, &h, sizeof h));
  }
  return head;
}

mbuf* in6_rcvcontrol_v4(Inet& in, const InPcb& inp, const wire::Ipv4Repr& ip, const ifnet* rcvif, int frag_max) {
  // Linux udpv6_recvmsg for an IPv4 datagram: the timestamp, IPV6_PKTINFO
  // (v4-mapped; ip6_datagram_recv_common_ctl), then IPv4's own cmsgs.
  mbuf* head = in_rcvcontrol(in, inp, ip, rcvif, frag_max);
  if (!inp.in6p.recvpktinfo) return head;
  if (rcvif && (rcvif->if_flags & IFF_LOOPBACK))
    if (const ifnet* holder = in_addr_ifp(in, ip.dst)) rcvif = holder;
  in6_pktinfo pi = pktinfo(nullptr, in6_mapped(ip.dst), rcvif);
  mbuf* c = in_cmsg(SOL_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
  if (!c) return head;
  mbuf** at = &head;
  if (inp.inp_socket->so_options & SOF_TIMESTAMP && *at) at = &(*at)->m_next;
  c->m_next = *at;
  *at = c;
  return head;
}

int in6_sendcontrol(const Inet6& in6, const mbuf* control, Ip6OutOpts* o, In6* src) {
  for (const mbuf* c = control; c; c = c->m_next) {
    if (c->m_type != MType::Control) continue;
    size_t off = 0;
    const size_t len = size_t(c->m_len);
    while (off + sizeof(cmsghdr) <= len) {
      cmsghdr h;
      std::memcpy(&h, c->m_data + off, sizeof h);
      if (h.cmsg_len < sizeof h || off + h.cmsg_len > len) return EINVAL;
      const std::byte* d = c->m_data + off + CMSG_LEN(0);
      const size_t dlen = h.cmsg_len - CMSG_LEN(0);
      off += CMSG_ALIGN(h.cmsg_len);
      if (h.cmsg_level != SOL_IPV6) continue;
      int v = 0;
      if (dlen >= sizeof v) std::memcpy(&v, d, sizeof v);
      switch (h.cmsg_type) {
        case IPV6_PKTINFO: {
          if (dlen < sizeof(in6_pktinfo)) return EINVAL;
          in6_pktinfo pi;
          std::memcpy(&pi, d, sizeof pi);
          In6 a;
          std::memcpy(a.data(), &pi.ipi6_addr, 16);
          const ifnet* dev = nullptr;
          if (pi.ipi6_ifindex) {
            if (o->ifp && int(pi.ipi6_ifindex) != o->ifp->if_index) return EINVAL;
            if (!(dev = if_byindex(in6.st, int(pi.ipi6_ifindex)))) return ENODEV;
            o->ifp = const_cast<ifnet*>(dev);
          } else if (wire::in6_is_linklocal(a)) {
            return EINVAL;  // a link-local source needs an interface
          }
          if (!wire::in6_is_unspecified(a)) {
            const ifnet* holder = in6_addr_ifp(in6, a);
            const bool strict = wire::in6_scope(a) <= 2;
            if (!wire::in6_is_loopback(a) && (!holder || (strict && dev && holder != dev))) return EINVAL;
            *src = a;
          }
          break;
        }
        case IPV6_HOPLIMIT:
          if (dlen != sizeof(int) || v < -1 || v > 0xff) return EINVAL;
          o->hlim = v;
          break;
        case IPV6_TCLASS:
          if (dlen != sizeof(int) || v < -1 || v > 0xff) return EINVAL;
          o->tclass = uint8_t(v < 0 ? 0 : v);
          break;
        case IPV6_DONTFRAG:
          if (dlen != sizeof(int) || v < 0 || v > 1) return EINVAL;
          o->dontfrag = v;
          o->dontfrag_set = v;
          break;
        default:
          return EINVAL;
      }
    }
  }
  return 0;
}

}  // namespace tunsock
