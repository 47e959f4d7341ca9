// Internet protocol control blocks shared by udp, ping and raw sockets:
// bind (Linux's SO_REUSEADDR/SO_REUSEPORT rules, RFC 6056 randomised
// ephemeral ports in 32768-60999), connect, lookup, IP-level options,
// receive control messages and the IP_RECVERR error queue.
// FreeBSD: netinet/in_pcb.c, ip_output.c (ip_ctloutput); Linux: udp_lib_get_port, ip_sockglue.c.
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netinet/in.hpp"
#include "netinet/in_var.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {
constexpr uint16_t kPortLow = 32768, kPortHigh = 60999;  // net.ipv4.ip_local_port_range
constexpr int kIpUnprivilegedPortStart = 1024;

bool bound_with(const Socket& so, uint32_t f) { return so.so_options & f; }

bool v6only(const InPcb& p) { return p.inp_family == AF_INET6 && p.in6p.v6only; }

// Linux ipv4_rcv_saddr_equal.
bool v4_saddr_equal(uint32_t a1, uint32_t a2, bool sk2_ipv6only, bool match_wildcard) {
  if (sk2_ipv6only) return false;
  if (a1 == a2) return true;
  return match_wildcard && (!a1 || !a2);
}

enum class A6 { kAny, kMapped, kOther };
A6 a6type(const wire::In6& a) {
  if (wire::in6_is_unspecified(a)) return A6::kAny;
  return wire::in6_is_v4mapped(a) ? A6::kMapped : A6::kOther;
}

// Linux udp_lib_lport_inuse: would inp (its address already in place)
// collide with another socket on port?
bool port_conflict(const std::list<InPcb*>& head, const InPcb& inp, uint16_t port) {
  const Socket& so = *inp.inp_socket;
  for (const InPcb* o : head) {
    if (o == &inp || o->inp_lport != port) continue;
    if (!in_pcb_saddr_equal(inp, *o, true)) continue;
    const Socket& os = *o->inp_socket;
    if (bound_with(so, SOF_REUSEADDR) && bound_with(os, SOF_REUSEADDR)) continue;
    if (bound_with(so, SOF_REUSEPORT) && bound_with(os, SOF_REUSEPORT) && o->reuse_uid == so.so_cred.uid) continue;
    return true;
  }
  return false;
}
}  // namespace

bool in_pcb_saddr_equal(const InPcb& sk, const InPcb& sk2, bool match_wildcard) {
  if (sk.inp_family != AF_INET6) return v4_saddr_equal(sk.inp_laddr, sk2.inp_laddr, v6only(sk2), match_wildcard);
  // Linux ipv6_rcv_saddr_equal: an inet socket counts as v4-mapped.
  const A6 t1 = a6type(sk.in6p_laddr);
  const A6 t2 = sk2.inp_family == AF_INET6 ? a6type(sk2.in6p_laddr) : A6::kMapped;
  if (t1 == A6::kMapped && t2 == A6::kMapped)
    return v4_saddr_equal(sk.inp_laddr, sk2.inp_laddr, v6only(sk2), match_wildcard);
  if (t1 == A6::kAny && t2 == A6::kAny) return true;
  if (t2 == A6::kAny && match_wildcard && !(v6only(sk2) && t1 == A6::kMapped)) return true;
  if (t1 == A6::kAny && match_wildcard && !(v6only(sk) && t2 == A6::kMapped)) return true;
  return sk2.inp_family == AF_INET6 && sk.in6p_laddr == sk2.in6p_laddr;
}

int in_pcbgetport(Inet& in, std::list<InPcb*>& head, InPcb& inp, uint16_t port) {
  if (inp.inp_ping) {
    // Linux ping_get_port: one identifier space for both families' ping sockets (raw_ip.cpp).
    uint16_t id;
    if (int e = ping_get_ident(in.st, *inp.inp_socket, port, &id)) return e;
    if (port) inp.bindport_lock = true;
    port = id;
  } else if (port == 0) {
    // RFC 6056 §3.3.1 (Algorithm 1): a random start, then the next free one.
    const uint32_t n = kPortHigh - kPortLow + 1;
    uint32_t off = in.st.rng().next_u32() % n;
    for (uint32_t i = 0; i < n; ++i) {
      uint16_t cand = uint16_t(kPortLow + (off + i) % n);
      if (!port_conflict(head, inp, cand)) {
        port = cand;
        break;
      }
    }
    if (!port) return EADDRINUSE;
  } else {
    if (port_conflict(head, inp, port)) return EADDRINUSE;
    inp.bindport_lock = true;
  }
  inp.inp_lport = port;
  inp.reuse_uid = inp.inp_socket->so_cred.uid;
  inp.inp_socket->so_state |= SS_ISBOUND;
  return 0;
}

InPcb* in_pcballoc(Socket& so, std::list<InPcb*>& head, int proto) {
  auto* inp = new InPcb;
  inp->inp_socket = &so;
  inp->inp_proto = proto;
  if (so.so_proto && so.so_proto->pr_domain && so.so_proto->pr_domain->dom_family == AF_INET6) {
    // FreeBSD udp6_attach: INP_IPV6, and INP_IPV4 too unless V6ONLY
    // (whose default is net.ipv6.bindv6only).
    inp->inp_family = AF_INET6;
    inp->in6p.v6only = in6_bindv6only(*so.so_stack);
    inp->inp_vflag = inp->in6p.v6only ? INP_IPV6 : INP_IPV4 | INP_IPV6;
  }
  so.so_pcb = inp;
  head.push_front(inp);
  return inp;
}

void in_pcbdetach(std::list<InPcb*>& head, Socket& so) {
  InPcb* inp = sotoinpcb(so);
  if (!inp) return;
  head.remove(inp);
  so.so_pcb = nullptr;
  delete inp;
}

int in_getsin(const SockAddr& nam, uint32_t* addr, uint16_t* port) {
  if (nam.len < sizeof(sockaddr_in)) return EINVAL;
  if (nam.family() != AF_INET) return EAFNOSUPPORT;
  sockaddr_in sin;
  std::memcpy(&sin, &nam.ss, sizeof sin);
  *addr = ntohl(sin.sin_addr.s_addr);
  *port = ntohs(sin.sin_port);
  return 0;
}

int in_sockaddr(uint32_t a, uint16_t port, SockAddr* nam) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(a);
  *nam = SockAddr::from(&sin, sizeof sin);
  return 0;
}

uint32_t in_pcbsrc(const Inet& in, uint32_t laddr, uint32_t dst) {
  if (laddr) return laddr;
  if ((dst >> 24) == 127) return 0x7f000001;
  if (in_localaddr(in, dst)) return dst;
  const Route* r = rt_lookup(in, dst);
  return r ? r->src : 0;
}

int in_pcbbind(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr* nam, const Td& td) {
  uint32_t addr = inp.inp_laddr;  // an implicit bind keeps an address bound without a port
  uint16_t port = 0;
  if (nam) {
    // Linux inet_bind: AF_UNSPEC is taken for INADDR_ANY only.
    if (nam->len < sizeof(sockaddr_in)) return EINVAL;
    if (nam->family() != AF_INET) {
      sockaddr_in sin;
      std::memcpy(&sin, &nam->ss, sizeof sin);
      if (nam->family() != AF_UNSPEC || sin.sin_addr.s_addr != 0) return EAFNOSUPPORT;
    }
    sockaddr_in sin;
    std::memcpy(&sin, &nam->ss, sizeof sin);
    addr = ntohl(sin.sin_addr.s_addr);
    port = ntohs(sin.sin_port);
    // Already bound (Linux looks at the port only: IP_BIND_ADDRESS_NO_PORT
    // leaves an address without one, and bind may still be called).
    if (inp.inp_lport) return EINVAL;
    // Linux inet_addr_valid_or_nonlocal: IP_FREEBIND or IP_TRANSPARENT may bind any address.
    if (addr && !in_localaddr(in, addr) && !in_broadcast(in, addr) && !inp.inp_freebind && !inp.inp_transparent)
      return EADDRNOTAVAIL;
    if (port && port < kIpUnprivilegedPortStart && td.cred.uid != 0 && !inp.inp_ping) return EACCES;
    if (!port && inp.inp_bind_noport && !inp.inp_ping) {  // the port comes later
      inp.inp_laddr = addr;
      inp.bindaddr_lock = addr != 0;
      return 0;
    }
  }
  const uint32_t saved = inp.inp_laddr;
  inp.inp_laddr = addr;
  if (int e = in_pcbgetport(in, head, inp, port)) {
    inp.inp_laddr = saved;
    return e;
  }
  if (addr) inp.bindaddr_lock = true;
  return 0;
}

uint32_t in_anydst(const InPcb& inp, uint32_t dst) {
  if (dst) return dst;
  return inp.inp_laddr ? inp.inp_laddr : 0x7f000001;
}

int in_pcbroute(const Inet& in, uint32_t laddr, uint32_t dst, uint32_t* src, bool anysrc) {
  if (laddr && in_broadcast(in, laddr)) laddr = 0;
  // Linux ip_route_output_key_hash_rcu: a source must be one of ours.
  if (laddr && !anysrc && !in_localaddr(in, laddr)) return ENETUNREACH;
  const bool local = (dst >> 24) == 127 || in_localaddr(in, dst);
  const Route* r = local ? nullptr : rt_lookup(in, dst);
  if (!local && !r) return ENETUNREACH;
  uint32_t s = laddr ? laddr : !local ? r->src : (dst >> 24) == 127 ? 0x7f000001 : dst;
  // Linux __mkroute_output: a loopback source never leaves through a link.
  if ((s >> 24) == 127 && !local) return EINVAL;
  *src = s;
  return 0;
}

int in_pcbconnect(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr& nam, const Td& td) {
  uint32_t addr;
  uint16_t port;
  if (int e = in_getsin(nam, &addr, &port)) return e;
  addr = in_anydst(inp, addr);
  Socket& so = *inp.inp_socket;
  // Linux __ip4_datagram_connect: route first, then the broadcast check.
  uint32_t src;
  if (int e = in_pcbroute(in, inp.inp_laddr, addr, &src, inp.inp_transparent)) return e;
  if (in_broadcast(in, addr) && !(so.so_options & SOF_BROADCAST)) return EACCES;
  if (!inp.inp_lport)
    if (int e = in_pcbbind(in, head, inp, nullptr, td)) return e;
  // A second connect keeps the source address (and port) the first one
  // chose: Linux sets inet_saddr only while it is unset.
  if (!inp.inp_laddr) inp.inp_laddr = src;
  inp.inp_faddr = addr;
  inp.inp_fport = port;
  so.so_state = (so.so_state & ~SS_ISCONNECTING) | SS_ISCONNECTED;
  return 0;
}

void in_pcbdisconnect(InPcb& inp) {
  // Linux __udp_disconnect: what bind() did not fix is forgotten.
  inp.inp_faddr = 0;
  inp.inp_fport = 0;
  if (!inp.bindaddr_lock) inp.inp_laddr = 0;
  if (inp.inp_family == AF_INET6) {  // and an inet6 socket takes both families again
    inp.in6p_faddr = {};
    inp.in6p_flowinfo = 0;
    if (!inp.bindaddr_lock) {
      inp.in6p_laddr = {};
      inp.inp_vflag = inp.in6p.v6only ? INP_IPV6 : INP_IPV4 | INP_IPV6;
    }
  }
  if (!inp.bindport_lock) {
    inp.inp_lport = 0;
    inp.inp_socket->so_state &= ~SS_ISBOUND;
  }
  inp.inp_socket->so_state &= ~SS_ISCONNECTED;
}

InPcb* in_pcblookup(std::list<InPcb*>& head, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
  // Linux compute_score: each fixed field must match and scores; best wins.
  InPcb* best = nullptr;
  int best_score = -1;
  for (InPcb* inp : head) {
    if (inp->inp_lport != dport || !inp->inp_lport) continue;
    // An inet6 socket takes IPv4 unless V6ONLY or its addresses are IPv6
    // ones; an inet socket wins a tie (Linux compute_score: 2 against 1).
    if (!(inp->inp_vflag & INP_IPV4)) continue;
    int score = inp->inp_family == AF_INET ? 2 : 1;
    if (inp->inp_laddr) {
      if (inp->inp_laddr != dst) continue;
      score += 4;
    }
    if (inp->inp_faddr) {
      if (inp->inp_faddr != src) continue;
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
  // An SO_REUSEPORT group shares the load: the 4-tuple's hash picks the
  // member, so one flow always reaches the same socket (Linux reuseport_select_sock).
  if (best && (best->inp_socket->so_options & SOF_REUSEPORT)) {
    std::vector<InPcb*> group;
    for (InPcb* inp : head)
      if (inp->inp_lport == dport && (inp->inp_vflag & INP_IPV4) && inp->inp_laddr == best->inp_laddr &&
          inp->inp_faddr == best->inp_faddr &&
          inp->inp_fport == best->inp_fport && (inp->inp_socket->so_options & SOF_REUSEPORT))
        group.push_back(inp);
    uint64_t h = (uint64_t(src) << 32 | dst) ^ (uint64_t(sport) << 16 | dport) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 33;  // murmur3's finaliser
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    best = group[h % group.size()];
  }
  return best;
}

mbuf* in_cmsg(int level, int type, const void* data, size_t len) {
  if (CMSG_SPACE(len) > MLEN) return nullptr;
  mbuf* m = m_get(M_NOWAIT, MType::Control);
  if (!m) return nullptr;
  std::memset(m->m_data, 0, CMSG_SPACE(len));
  cmsghdr h{};
  h.cmsg_len = CMSG_LEN(len);
  h.cmsg_level = level;
  h.cmsg_type = type;
  std::memcpy(m->m_data, &h, sizeof h);
  std::memcpy(m->m_data + CMSG_LEN(0), data, len);
  m->m_len = int(CMSG_SPACE(len));
  return m;
}

mbuf* in_rcvcontrol(Inet& in, const InPcb& inp, const wire::Ipv4Repr& ip, const ifnet* rcvif, int frag_max) {
  mbuf* head = nullptr;
  mbuf** tail = &head;
  auto add = [&](mbuf* c) {
    if (!c) return;
    *tail = c;
    tail = &c->m_next;
  };
  // Linux order: timestamp (sock_recv_cmsgs), then ip_cmsg_recv's PKTINFO, TTL, TOS.
  if (inp.inp_socket->so_options & SOF_TIMESTAMP) {
    Time t = in.st.now() + in.wall_offset;
    timeval tv{};
    tv.tv_sec = time_t(t.count() / 1000000000);
    tv.tv_usec = suseconds_t((t.count() % 1000000000) / 1000);
    add(in_cmsg(SOL_SOCKET, SO_TIMESTAMP_OLD, &tv, sizeof tv));
  }
  if (inp.inp_recvpktinfo) {
    in_pktinfo pi{};
    // Linux ipv4_pktinfo_prepare: a datagram looped back to one of our own
    // addresses names the interface that holds it (inet_iif), not lo.
    if (rcvif && (rcvif->if_flags & IFF_LOOPBACK))
      if (const ifnet* holder = in_addr_ifp(in, ip.dst)) rcvif = holder;
    pi.ipi_ifindex = rcvif ? rcvif->if_index : 0;
    uint32_t spec = in_localaddr(in, ip.dst) ? ip.dst : in_pcbsrc(in, 0, ip.src);
    pi.ipi_spec_dst.s_addr = htonl(spec);
    pi.ipi_addr.s_addr = htonl(ip.dst);
    add(in_cmsg(SOL_IP, IP_PKTINFO, &pi, sizeof pi));
  }
  if (inp.inp_recvttl) {
    int ttl = ip.ttl;
    add(in_cmsg(SOL_IP, IP_TTL, &ttl, sizeof ttl));
  }
  if (inp.inp_recvtos) {
    uint8_t tos = ip.tos;
    add(in_cmsg(SOL_IP, IP_TOS, &tos, sizeof tos));
  }
  // Linux ip_cmsg_recv_dstaddr: where the datagram was sent (address and
  // UDP port, which is the receiving socket's own port).
  if (inp.inp_recvorigdst && (inp.inp_proto == IPPROTO_UDP || inp.inp_proto == IPPROTO_UDPLITE)) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(inp.inp_lport);
    sin.sin_addr.s_addr = htonl(ip.dst);
    add(in_cmsg(SOL_IP, IP_ORIGDSTADDR, &sin, sizeof sin));
  }
  // Linux ip_cmsg_recv_fragsize: only for a datagram that came in pieces.
  if (inp.inp_recvfragsize && frag_max) add(in_cmsg(SOL_IP, IP_RECVFRAGSIZE, &frag_max, sizeof frag_max));
  return head;
}

void in_sockerr(InPcb& inp, SockErr e, bool hard) {
  Socket& so = *inp.inp_socket;
  // Linux udp_err: without IP_RECVERR only hard errors on a connected
  // socket are reported; with it, every error is queued and set.
  // An IPv6 error is IPV6_RECVERR's; an IPv4 one IP_RECVERR's, on an
  // inet6 socket too (Linux __udp4_lib_err looks at inet->recverr).
  const bool recverr = e.v6 ? inp.in6p.recverr : inp.inp_recverr;
  if (!recverr && !(hard && (so.so_state & SS_ISCONNECTED))) return;
  if (recverr && inp.errq.size() < 64) inp.errq.push_back(e);
  so.so_error = e.ee_errno;
  sorwakeup(so);
  sowwakeup(so);
}

namespace {

sock_extended_err extended_err(const SockErr& e) {
  sock_extended_err ee{};
  ee.ee_errno = uint32_t(e.ee_errno);
  ee.ee_origin = e.ee_origin;
  ee.ee_type = e.ee_type;
  ee.ee_code = e.ee_code;
  ee.ee_info = e.ee_info;
  return ee;
}

mbuf** tail_of(mbuf** t) {
  while (*t) t = &(*t)->m_next;
  return t;
}

// Linux ipv6_recv_error: on an inet6 socket the name is a sockaddr_in6
// (v4-mapped for an IPv4 error) and the cmsg SOL_IPV6 IPV6_RECVERR, its
// offender named for an ICMP or ICMPv6 error only.
void errqueue_control6(const SockErr& e, RecvArgs& a) {
  if (a.from) {
    if (e.v6) in6_sockaddr(e.dst6, e.dport, a.from);
    else in6_sockaddr_v4(e.dst, e.dport, a.from);
  }
  if (!a.controlp) return;
  struct {
    sock_extended_err ee;
    sockaddr_in6 offender;
  } c{};
  c.ee = extended_err(e);
  if (e.ee_origin == SO_EE_ORIGIN_ICMP || e.ee_origin == SO_EE_ORIGIN_ICMP6) {
    c.offender.sin6_family = AF_INET6;
    const In6 off = e.v6 ? e.offender6 : in6_mapped(e.offender);
    std::memcpy(&c.offender.sin6_addr, off.data(), 16);
  }
  *tail_of(a.controlp) = in_cmsg(SOL_IPV6, IPV6_RECVERR, &c, sizeof c);
}

// The error queue of an inet or inet6 socket (its InPcb's; inet6's ICMPv6
// sockets keep an In6Pcb: raw_ip6.cpp), and whether its names are inet6's.
std::deque<SockErr>* errq_of(Socket& so, bool* inet6) {
  const Domain* dom = so.so_proto ? so.so_proto->pr_domain : nullptr;
  *inet6 = dom && dom->dom_family == AF_INET6;
  if (*inet6 && so.so_proto->pr_protocol == IPPROTO_ICMPV6) return so.so_pcb ? &icmp6_errq(so) : nullptr;
  InPcb* inp = sotoinpcb(so);
  return inp ? &inp->errq : nullptr;
}

}  // namespace

int in_errqueue_receive(Socket& so, RecvArgs& a) {
  bool inet6;
  std::deque<SockErr>* q = errq_of(so, &inet6);
  a.flags = 0;
  a.done = a.full = 0;
  if (!q || q->empty()) return EAGAIN;
  SockErr e = std::move(q->front());
  q->pop_front();
  size_t n = std::min(a.len, e.payload.size());
  if (a.buf && n) std::memcpy(a.buf, e.payload.data(), n);
  a.done = n;
  a.full = e.payload.size();
  if (a.full > n) a.flags |= MSG_TRUNC;
  a.flags |= MSG_ERRQUEUE;
  if (inet6) {
    errqueue_control6(e, a);
  } else {
    if (a.from) in_sockaddr(e.dst, e.dport, a.from);
    if (a.controlp) {
      struct {
        sock_extended_err ee;
        sockaddr_in offender;
      } c{};
      c.ee = extended_err(e);
      // Linux ipv4_datagram_support_cmsg: only an ICMP error names its sender.
      if (e.ee_origin == SO_EE_ORIGIN_ICMP) {
        c.offender.sin_family = AF_INET;
        c.offender.sin_addr.s_addr = htonl(e.offender);
      }
      *tail_of(a.controlp) = in_cmsg(SOL_IP, IP_RECVERR, &c, sizeof c);
    }
  }
  // Linux sock_dequeue_err_skb: so_error takes the next queued error, or clears.
  so.so_error = q->empty() ? 0 : q->front().ee_errno;
  return 0;
}

int in_sendcontrol(const mbuf* control, IpOutOpts* o, uint32_t* src) {
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
      if (h.cmsg_level == SOL_IP) {
        int v = 0;
        switch (h.cmsg_type) {
          case IP_PKTINFO: {
            if (dlen != sizeof(in_pktinfo)) return EINVAL;
            in_pktinfo pi;
            std::memcpy(&pi, d, sizeof pi);
            if (pi.ipi_spec_dst.s_addr) *src = ntohl(pi.ipi_spec_dst.s_addr);
            break;
          }
          case IP_TTL:
            if (dlen != sizeof(int)) return EINVAL;
            std::memcpy(&v, d, sizeof v);
            if (v < 1 || v > 255) return EINVAL;
            o->ttl = uint8_t(v);
            break;
          case IP_TOS:
            if (dlen == sizeof(int)) std::memcpy(&v, d, sizeof v);
            else if (dlen == 1) v = uint8_t(d[0]);
            else return EINVAL;
            if (v < 0 || v > 255) return EINVAL;
            o->tos = uint8_t(v);
            break;
          default:
            return EINVAL;
        }
      }
      off += CMSG_ALIGN(h.cmsg_len);
    }
  }
  return 0;
}

size_t in_errqueue_len(const Socket& so) {
  bool inet6;
  const std::deque<SockErr>* q = errq_of(const_cast<Socket&>(so), &inet6);
  return q ? q->size() : 0;
}

void inet_set_wall_offset(Stack& st, Time offset) { inet_attach(st).wall_offset = offset; }

}  // namespace tunsock
