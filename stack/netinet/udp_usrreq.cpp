// UDP (RFC 768, RFC 1122 §4.1) and UDP-Lite (RFC 3828): input with length
// and checksum checks (a zero UDP checksum means none and is accepted),
// demultiplexing to the best matching socket (broadcast to all), port
// unreachable when none, ICMP errors to the socket they concern
// (pr_ctlinput), the user requests, UDP_CORK and the UDP-Lite coverage
// options. One implementation: the PCB's protocol picks the PCB list (a
// port space each), the counters, and UDP-Lite's coverage (udplite.cpp);
// the PCB's family (inp_vflag) picks IPv4 or IPv6 (RFC 8200 §8.1: the
// checksum is mandatory), and a dual-stack inet6 socket takes the IPv4 path
// for v4-mapped peers, names rendered v4-mapped (netinet6/in6_pcb.cpp).
// FreeBSD: netinet/udp_usrreq.c, netinet6/udp6_usrreq.c; Linux semantics
// where they differ (ipv4/udp.c, ipv6/udp.c, udplite.c).
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netinet/in_var.hpp"
#include "netinet/udplite.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

Inet& inet_so(Socket& so) { return inet(*so.so_stack); }

// The protocol's sockets and counters (FreeBSD udp_get_inpcbinfo): UDP-Lite
// has a port space of its own, as on Linux (udplite_table).
std::list<InPcb*>& udp_pcbs(Inet& in, int proto) { return proto == IPPROTO_UDPLITE ? in.ulitecb : in.udb; }
UdpStat& udp_stat(Inet& in, int proto) { return proto == IPPROTO_UDPLITE ? in.udplitestat : in.udpstat; }
// Over IPv6: counters of their own (Linux's Udp6 and UdpLite6 MIBs).
UdpStat& udp6_stat(Inet& in, int proto) { return proto == IPPROTO_UDPLITE ? in.udplite6stat : in.udp6stat; }
std::list<InPcb*>& udp_pcbs(Socket& so) { return udp_pcbs(inet_so(so), so.so_proto->pr_protocol); }

IpOutOpts out_opts(const Socket& so, const InPcb& inp) {
  IpOutOpts o;
  o.ttl = uint8_t(inp.inp_ttl < 0 ? 64 : inp.inp_ttl);
  o.tos = inp.inp_tos;
  // Linux __ip_make_skb: DF for DO and PROBE, and for WANT when it fits;
  // OMIT and INTERFACE send without (dig sets OMIT). Too big is EMSGSIZE
  // unless the socket may fragment (ip_sk_ignore_df: DONT, WANT, OMIT).
  const int pmtu = inp.inp_pmtudisc;
  o.df = pmtu == IP_PMTUDISC_WANT || pmtu == IP_PMTUDISC_DO || pmtu == IP_PMTUDISC_PROBE;
  o.dontfrag = pmtu == IP_PMTUDISC_DO || pmtu == IP_PMTUDISC_PROBE || pmtu == IP_PMTUDISC_INTERFACE;
  o.ignore_pmtu = pmtu == IP_PMTUDISC_PROBE || pmtu == IP_PMTUDISC_INTERFACE || pmtu == IP_PMTUDISC_OMIT;
  o.broadcast_ok = so.so_options & SOF_BROADCAST;
  return o;
}

// How much of a datagram of ulen bytes its checksum covered (all of it but
// for UDP-Lite).
struct Cov {
  int cov, ulen;
};

// Where a received datagram's UDP header is, and its pseudo-header (RFC
// 768 for IPv4, RFC 8200 §8.1 for IPv6).
struct UdpIn {
  int off = 0, plen = 0;             // the UDP header's offset; the IP payload's length
  const wire::Ipv4Repr* ip4 = nullptr;
  const wire::Ip6Repr* ip6 = nullptr;
  uint32_t pseudo(int proto, int ulen) const {
    return ip6 ? wire::pseudo_sum6(ip6->src, ip6->dst, uint32_t(ulen), uint8_t(proto))
               : wire::pseudo_sum(ip4->src, ip4->dst, uint8_t(proto), uint16_t(ulen));
  }
};

// Checks the header (length or coverage, checksum) of a datagram of proto;
// returns its ports and coverage, or false when it was dropped (m freed).
bool udp_check(UdpStat& s, mbuf*& m, const UdpIn& u, int proto, uint16_t* sport, uint16_t* dport, Cov* c) {
  ifnet* ifp = m->m_pkthdr.rcvif;
  const int iplen = u.plen;
  auto bad = [&](uint64_t& n) {
    n++;
    if (ifp) ifp->if_data.rx_dropped++;
    m_freem(m);
    m = nullptr;
    return false;
  };
  if (iplen < wire::kUdpHdrLen) return bad(s.hdrops);
  if (!(m = m_pullup(m, u.off + wire::kUdpHdrLen))) return s.hdrops++, false;
  const std::byte* uh = m->m_data + u.off;
  *sport = wire::get16(uh);
  *dport = wire::get16(uh + 2);
  const uint16_t lenfield = wire::get16(uh + 4), sum = wire::get16(uh + 6);
  int ulen = lenfield, cov = lenfield;
  if (proto == IPPROTO_UDPLITE) {
    // RFC 3828 §3.1: IP gives the length, the field the checksum's
    // coverage; the checksum is mandatory. Linux's order: a coverage beyond
    // the datagram, a zero checksum, then one below the header.
    ulen = iplen;
    if (lenfield > iplen) return bad(s.badcov);
    if (sum == 0) return bad(s.nosum);
    if ((cov = udplite_cscov_in(lenfield, iplen)) < 0) return bad(s.badcov);
  } else {
    if (ulen < wire::kUdpHdrLen || ulen > iplen) return bad(s.badlen);
    if (ulen < iplen) {  // the IP datagram is longer than the UDP one: trim
      m_adj(m, ulen - iplen);
      m->m_pkthdr.len = u.off + ulen;
    }
    // RFC 8200 §8.1: over IPv6 the checksum is not optional; a zero one is
    // dropped (FreeBSD udp6_input counts it as nosum, Linux as a csum error).
    if (sum == 0 && u.ip6) return bad(s.nosum);
  }
  // The pseudo-header holds the whole length and the protocol (RFC 3828 §3.2).
  // DEVIATION: Linux checks a partial coverage's checksum only when the
  // datagram is read (udp_recvmsg: poll may report it, recv then skips it);
  // here it is checked on input, as UDP's, and never queued.
  if (sum == 0) {
    s.nosum++;  // RFC 768: no checksum was computed
  } else if (wire::cksum_finish(in_cksum_chain(m, u.off, cov, u.pseudo(proto, ulen))) != 0) {
    return bad(s.badsum);
  }
  *c = Cov{cov, ulen};
  return true;
}

// --- delivery: one step for both families ---

// A checked datagram as delivery sees it, whatever its family: where its
// UDP header is, its ports and coverage, the interface it came by and the
// family's counters (udpstat/udplitestat or udp6stat/udplite6stat).
// Udp4Rcv and Udp6Rcv add what differs: whether it goes to many sockets
// (multi: broadcast or multicast) and which (match), the one socket of a
// unicast datagram (lookup), the port unreachable (unreach), and the name
// and cmsgs a socket gets (source).
struct UdpRcv {
  UdpStat& s;
  ifnet* ifp;
  int off = 0;
  uint16_t sport = 0, dport = 0;
  Cov cov{};
  UdpRcv(UdpStat& st, ifnet* i, int o) : s(st), ifp(i), off(o) {}
};

// Deliver one copy to inp; consumes m (the UDP payload).
template <class R>
void udp_append(InPcb& inp, mbuf* m, const R& r) {
  Socket& so = *inp.inp_socket;
  if (inp.inp_proto == IPPROTO_UDPLITE && !udplite_cscov_ok(inp, r.cov.cov, r.cov.ulen)) {
    r.s.shortcov++;  // RFC 3828 §3.3: below what this receiver asked for
    m_freem(m);
    return;
  }
  // DEVIATION from FreeBSD (which drops): Linux UDP queues datagrams after
  // shutdown(SHUT_RD) and recv still returns them (udp_queue_rcv_skb does not
  // look at sk_shutdown); only an empty queue reads as end of file.
  SockAddr from;
  mbuf* control = r.source(inp, &from);
  if (!sbappendaddr(so.so_rcv, from, m, control)) {
    r.s.fullsock++;
    m_freem(m);
    m_freem(control);
    return;
  }
  sorwakeup(so);
}

// FreeBSD udp_input's delivery (udp6_input's the same): a broadcast or
// multicast datagram to every socket bound to its port that matches, else
// to the best match, or a port unreachable when none. Consumes m.
template <class R>
void udp_deliver(std::list<InPcb*>& pcbs, mbuf* m, const R& r) {
  if (r.multi) {
    bool any = false;
    for (InPcb* inp : pcbs) {
      if (inp->inp_lport != r.dport || !r.match(*inp)) continue;
      if (mbuf* c = m_copym(m, r.off + wire::kUdpHdrLen, M_COPYALL, M_NOWAIT)) {
        udp_append(*inp, c, r);
        any = true;
      }
    }
    if (!any) r.s.noportbcast++;
    m_freem(m);
    return;
  }
  InPcb* inp = r.lookup(pcbs);
  if (!inp) {
    r.s.noport++;
    r.unreach(m);
    m_freem(m);
    return;
  }
  m_adj(m, r.off + wire::kUdpHdrLen);
  m->m_flags &= ~M_PKTHDR;
  udp_append(*inp, m, r);
}

// An IPv4 datagram: broadcast to our broadcast addresses too; a dual-stack
// inet6 socket names its source v4-mapped.
struct Udp4Rcv : UdpRcv {
  Inet& in;
  const wire::Ipv4Repr& ip;
  int frag_max = 0;
  bool mcast = false, multi = false;
  Udp4Rcv(Inet& i, UdpStat& st, ifnet* ifp, const wire::Ipv4Repr& p) : UdpRcv(st, ifp, p.hlen), in(i), ip(p) {
    mcast = (ip.dst >> 28) == 0xe;
    multi = mcast || in_broadcast(in, ip.dst);
  }
  // A matching or wildcard address, the peer if connected, a joined group.
  bool match(const InPcb& inp) const {
    return !((inp.inp_laddr && inp.inp_laddr != ip.dst) ||
             (inp.inp_faddr && (inp.inp_faddr != ip.src || inp.inp_fport != sport)) ||
             (mcast && !in_mcast_allow(in, inp, ip.dst, ifp)));
  }
  InPcb* lookup(std::list<InPcb*>& pcbs) const { return in_pcblookup(pcbs, ip.src, sport, ip.dst, dport); }
  void unreach(mbuf* m) const { icmp_error(in, m, ip, wire::ICMP_UNREACH_, wire::ICMP_UNREACH_PORT_, 0); }
  mbuf* source(const InPcb& inp, SockAddr* from) const {
    if (inp.inp_family == AF_INET6) {  // a dual-stack socket: the IPv4 source v4-mapped
      in6_sockaddr_v4(ip.src, sport, from);
      return in6_rcvcontrol_v4(in, inp, ip, ifp, frag_max);
    }
    in_sockaddr(ip.src, sport, from);
    return in_rcvcontrol(in, inp, ip, ifp, frag_max);
  }
};

void udp_input_proto(Inet& in, mbuf* m, const wire::Ipv4Repr& ip, int proto) {
  Udp4Rcv r(in, udp_stat(in, proto), m->m_pkthdr.rcvif, ip);
  r.s.ipackets++;
  UdpIn u;
  u.off = ip.hlen;
  u.plen = ip.total_len - ip.hlen;
  u.ip4 = &ip;
  if (!udp_check(r.s, m, u, proto, &r.sport, &r.dport, &r.cov)) return;
  r.frag_max = m->m_pkthdr.frag_max;
  udp_deliver(udp_pcbs(in, proto), m, r);
}

void udp_ctlinput_proto(Inet& in, std::list<InPcb*>& pcbs, const wire::IcmpRepr& ic, uint32_t offender,
                        std::span<const std::byte> q) {
  bool hard;
  int err = icmp_to_errno(ic.type, ic.code, &hard);
  if (!err) return;
  size_t qhl = size_t(uint8_t(q[0]) & 0xf) * 4;
  uint32_t src = wire::get32(&q[12]), dst = wire::get32(&q[16]);
  uint16_t sport = wire::get16(&q[qhl]), dport = wire::get16(&q[qhl + 2]);
  // The socket that sent it: the one a reply from dst:dport to src:sport would reach.
  InPcb* inp = in_pcblookup(pcbs, dst, dport, src, sport);
  if (!inp) return;
  // Linux __udp4_lib_err: "fragmentation needed" (the path MTU is already
  // lowered by icmp_input) is a hard EMSGSIZE unless the socket fragments
  // anyway (IP_PMTUDISC_DONT), which hears nothing of it.
  if (ic.type == wire::ICMP_UNREACH_ && ic.code == wire::ICMP_UNREACH_NEEDFRAG_) {
    if (inp->inp_pmtudisc == IP_PMTUDISC_DONT) return;
    hard = true;
  }
  SockErr e;
  e.ee_errno = err;
  e.ee_type = ic.type;
  e.ee_code = ic.code;
  e.ee_info = ic.type == wire::ICMP_UNREACH_ && ic.code == wire::ICMP_UNREACH_NEEDFRAG_ ? (ic.rest & 0xffff) : 0;
  e.offender = offender;
  e.dst = dst;
  e.dport = dport;
  if (q.size() > qhl + wire::kUdpHdrLen) e.payload.assign(q.begin() + long(qhl + wire::kUdpHdrLen), q.end());
  in.icmpstat.inerrors_delivered++;
  in_sockerr(*inp, std::move(e), hard);
}

// --- over IPv6: the same checks and delivery behind in6_pcblookup ---

// Linux __udp_v6_is_mcast_sock with inet6_mc_check: a socket that joined
// groups hears only those; one that joined none hears every group the
// host takes (IPV6_MULTICAST_ALL's default).
bool udp6_mcast_ok(const InPcb& inp, const In6& group, const ifnet* ifp) {
  const auto& ms = inp.in6p.mships;
  if (ms.empty()) return true;
  return std::any_of(ms.begin(), ms.end(),
                     [&](const auto& g) { return g.first == group && (!ifp || g.second == ifp->if_index); });
}

// An IPv6 datagram: multicast to the inet6 sockets taking IPv6; a
// link-local source comes with its interface (Linux: sin6_scope_id).
struct Udp6Rcv : UdpRcv {
  Inet6& in6;
  const wire::Ip6Repr& ip;
  bool multi = false;
  Udp6Rcv(Inet6& i6, UdpStat& st, ifnet* ifp, int off, const wire::Ip6Repr& p)
      : UdpRcv(st, ifp, off), in6(i6), ip(p), multi(wire::in6_is_multicast(p.dst)) {}
  bool match(const InPcb& inp) const {
    if (inp.inp_family != AF_INET6 || !(inp.inp_vflag & INP_IPV6)) return false;
    if (!wire::in6_is_unspecified(inp.in6p_laddr) && inp.in6p_laddr != ip.dst) return false;
    if (!wire::in6_is_unspecified(inp.in6p_faddr) && (inp.in6p_faddr != ip.src || inp.inp_fport != sport))
      return false;
    return udp6_mcast_ok(inp, ip.dst, ifp);
  }
  InPcb* lookup(std::list<InPcb*>& pcbs) const { return in6_pcblookup(pcbs, ip.src, sport, ip.dst, dport); }
  // RFC 4443 §3.1 code 4 (port unreachable); icmp6_error applies §2.4(e).
  void unreach(mbuf* m) const { icmp6_error(in6, m, wire::ICMP6_DST_UNREACH_, wire::ICMP6_DST_UNREACH_NOPORT_, 0); }
  mbuf* source(const InPcb& inp, SockAddr* from) const {
    in6_sockaddr(ip.src, sport, from);
    if (wire::in6_needs_scope_id(ip.src) && ifp) {  // Linux: a link-local peer comes with its interface
      sockaddr_in6 s6;
      std::memcpy(&s6, &from->ss, sizeof s6);
      s6.sin6_scope_id = uint32_t(ifp->if_index);
      *from = SockAddr::from(&s6, sizeof s6);
    }
    return in6_rcvcontrol(inp, ip, ifp);
  }
};

void udp6_input_proto(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip, int proto) {
  Inet* inp4 = inet_of(in6.st);
  if (!inp4) {  // inet6 transports live in inet's tables; a stack without them has no sockets
    m_freem(m);
    return;
  }
  Inet& in = *inp4;
  Udp6Rcv r(in6, udp6_stat(in, proto), m->m_pkthdr.rcvif, off, ip);
  r.s.ipackets++;
  UdpIn u;
  u.off = off;
  u.plen = m->m_pkthdr.len - off;
  u.ip6 = &ip;
  if (!udp_check(r.s, m, u, proto, &r.sport, &r.dport, &r.cov)) return;
  udp_deliver(udp_pcbs(in, proto), m, r);
}

// Linux __udp6_lib_err: the socket that sent the quoted datagram hears the
// error (Packet Too Big: hard unless IPV6_PMTUDISC_DONT, nothing at all for
// INTERFACE and OMIT, which do not take the path MTU).
void udp6_ctlinput_proto(Inet6& in6, const Ip6CtlParam& p, int proto) {
  Inet* in = inet_of(in6.st);
  if (!in || !p.error || size_t(p.off) + 4 > p.quoted.size()) return;
  const uint16_t sport = wire::get16(&p.quoted[size_t(p.off)]), dport = wire::get16(&p.quoted[size_t(p.off) + 2]);
  InPcb* inp = in6_pcblookup(udp_pcbs(*in, proto), p.dst, dport, p.src, sport);
  if (!inp) return;
  bool hard = p.fatal;
  if (p.type == wire::ICMP6_PACKET_TOO_BIG_) {
    const int d = inp->in6p.mtu_discover;
    if (d == IPV6_PMTUDISC_INTERFACE || d == IPV6_PMTUDISC_OMIT) return;  // ip6_sk_accept_pmtu
    if (d != IPV6_PMTUDISC_DONT) hard = true;
  }
  SockErr e = icmp6_sockerr_entry(p);
  e.dport = dport;
  const size_t data = size_t(p.off) + wire::kUdpHdrLen;
  if (p.quoted.size() > data) e.payload.assign(p.quoted.begin() + long(data), p.quoted.end());
  in_sockerr(*inp, std::move(e), hard);
}

}  // namespace

void udp_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip) { udp_input_proto(in, m, ip, IPPROTO_UDP); }
void udplite_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip) { udp_input_proto(in, m, ip, IPPROTO_UDPLITE); }

void udp_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> q) {
  udp_ctlinput_proto(in, in.udb, ic, offender, q);
}
void udplite_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> q) {
  udp_ctlinput_proto(in, in.ulitecb, ic, offender, q);
}
void udp6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip) {
  udp6_input_proto(in6, m, off, ip, IPPROTO_UDP);
}
void udplite6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip) {
  udp6_input_proto(in6, m, off, ip, IPPROTO_UDPLITE);
}
void udp6_ctlinput(Inet6& in6, const Ip6CtlParam& p) { udp6_ctlinput_proto(in6, p, IPPROTO_UDP); }
void udplite6_ctlinput(Inet6& in6, const Ip6CtlParam& p) { udp6_ctlinput_proto(in6, p, IPPROTO_UDPLITE); }

namespace {

int udp_attach(Socket& so, int, const Td&) {
  // inet6's UDP keeps its sockets in inet's lists (one port space).
  if (!inet_of(*so.so_stack)) return EPROTONOSUPPORT;
  in_pcballoc(so, udp_pcbs(so), so.so_proto->pr_protocol);
  return 0;
}

void udp_flush_pending(InPcb& inp) {
  m_freem(inp.udp_pend);
  inp.udp_pend = nullptr;
  inp.udp_pendlen = 0;
  inp.udp_pending = false;
}

void udp_detach(Socket& so) {
  if (InPcb* inp = sotoinpcb(so)) udp_flush_pending(*inp);
  in_pcbdetach(udp_pcbs(so), so);
}

bool is6(const InPcb& inp) { return inp.inp_family == AF_INET6; }

int udp_bind(Socket& so, const SockAddr& nam, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  return is6(inp) ? in6_pcbbind(in, udp_pcbs(so), inp, &nam, td) : in_pcbbind(in, udp_pcbs(so), inp, &nam, td);
}

// An implicit bind: an ephemeral port, the address kept.
int udp_autobind(Inet& in, Socket& so, InPcb& inp, const Td& td) {
  return is6(inp) ? in6_pcbbind(in, udp_pcbs(so), inp, nullptr, td) : in_pcbbind(in, udp_pcbs(so), inp, nullptr, td);
}

int udp_connect(Socket& so, const SockAddr& nam, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  if (nam.len >= sizeof(sa_family_t) && nam.family() == AF_UNSPEC) {  // dissolve the association
    in_pcbdisconnect(inp);
    return 0;
  }
  // Linux inet_dgram_connect: the implicit bind comes before any check of
  // the address, and stays when the connect fails. A connected socket
  // connects again in place (its source address and port are kept).
  if (!inp.inp_lport)
    if (udp_autobind(in, so, inp, td)) return EAGAIN;
  if (is6(inp)) return in6_pcbconnect(in, udp_pcbs(so), inp, nam, td);
  return in_pcbconnect(in, udp_pcbs(so), inp, nam, td);
}

int udp_disconnect(Socket& so) {
  in_pcbdisconnect(*sotoinpcb(so));
  return 0;
}

int udp_shutdown(Socket& so) {
  socantsendmore(so);
  return 0;
}

// Linux udp_sendmsg's destination: AF_UNSPEC is taken for AF_INET, port 0 is EINVAL.
int udp_dest(const SockAddr& nam, uint32_t* dst, uint16_t* dport) {
  if (nam.len < sizeof(sockaddr_in)) return EINVAL;
  if (nam.family() != AF_INET && nam.family() != AF_UNSPEC) return EAFNOSUPPORT;
  sockaddr_in sin;
  std::memcpy(&sin, &nam.ss, sizeof sin);
  *dst = ntohl(sin.sin_addr.s_addr);
  *dport = ntohs(sin.sin_port);
  return *dport ? 0 : EINVAL;
}

// Linux __ip_append_data: a datagram longer than it may be (the path MTU
// under IP_PMTUDISC_DO, the interface's under PROBE and INTERFACE, else 65535) is EMSGSIZE; with IP_RECVERR a
// local error is queued as well (ip_local_error: origin LOCAL, info the
// MTU, named by the destination and the connected port, no so_error).
int udp_toobig(Inet& in, InPcb& inp, const IpOutOpts& o, uint32_t dst, int len) {
  const Route* r = o.ifp || in_localaddr(in, dst) ? nullptr : rt_lookup(in, dst);
  const ifnet* ifp = o.ifp ? o.ifp : r ? r->ifp : if_loopback(in.st);
  uint32_t ifmtu = ifp ? std::min<uint32_t>(ifp->if_mtu, 65535) : 1500;
  const int mtu = int(o.ignore_pmtu ? ifmtu : std::min(ifmtu, ip_pmtu_learned(in, dst)));
  if (len + wire::kIpHdrLen + wire::kUdpHdrLen <= (o.dontfrag ? mtu : 65535)) return 0;
  if (inp.inp_recverr && inp.errq.size() < 64) {
    SockErr e;
    e.ee_errno = EMSGSIZE;
    e.ee_origin = SO_EE_ORIGIN_LOCAL;
    e.ee_info = uint32_t(mtu);
    e.dst = dst;
    e.dport = inp.inp_fport;
    inp.errq.push_back(std::move(e));
    sorwakeup(*inp.inp_socket);
    sowwakeup(*inp.inp_socket);
  }
  return EMSGSIZE;
}

int udp_output(Inet& in, InPcb& inp, mbuf* p, int len, uint32_t src, uint32_t dst, uint16_t dport,
               const IpOutOpts& o);

// Linux udp_sendmsg with data pending under UDP_CORK: the address and
// control of this send are not looked at, the data joins the datagram; an
// error throws away all that was gathered (udp_flush_pending_frames).
int udp6_toobig(const Inet6& in6, InPcb& inp, const Ip6OutOpts& o, const In6& dst, int len);

// UDP_CORK's first send: its data, port and family (the caller keeps its
// addresses and options) fix the datagram being gathered.
void udp_cork_start(InPcb& inp, mbuf* m, int len, uint16_t dport, bool v6) {
  inp.udp_pending = true;
  inp.udp_pend = m;
  inp.udp_pendlen = len;
  inp.cork_dport = dport;
  inp.cork_v6 = v6;
}

int udp_append_pending(Inet& in, InPcb& inp, mbuf* m, int len) {
  MbufPtr data(m);
  const int e = inp.cork_v6 ? udp6_toobig(inet6(in.st), inp, ip6_outopts(inet6(in.st), inp.in6p, inp.cork_dst6),
                                          inp.cork_dst6, inp.udp_pendlen + len)
                            : udp_toobig(in, inp, inp.cork_o, inp.cork_dst, inp.udp_pendlen + len);
  if (e) {
    udp_flush_pending(inp);
    return e;
  }
  if (mbuf* n = data.release()) {
    if (!inp.udp_pend) {
      inp.udp_pend = n;
    } else {
      n->m_flags &= ~M_PKTHDR;
      m_cat(inp.udp_pend, n);
      if (inp.udp_pend->m_flags & M_PKTHDR) inp.udp_pend->m_pkthdr.len += len;
    }
  }
  inp.udp_pendlen += len;
  return 0;
}

int udp6_send(Inet& in, InPcb& inp, mbuf* m, int len, const In6& dst, uint16_t dport, mbuf* control);

// The IPv4 half of a send (an inet socket's, or a dual-stack one's to a
// v4-mapped or AF_INET destination): dst 0 and no address given means the
// connected peer.
int udp4_send(Inet& in, Socket& so, InPcb& inp, mbuf* m, int len, const uint32_t* to, uint16_t dport, mbuf* control) {
  MbufPtr data(m);
  MbufPtr ctl(control);
  uint32_t dst = to ? *to : inp.inp_faddr;
  if (!to) dport = inp.inp_fport;
  IpOutOpts o = out_opts(so, inp);
  const bool mcast = (dst >> 28) == 0xe;
  if (mcast) {
    o.ttl = uint8_t(inp.inp_mcast_ttl);
    o.mcast_loop = inp.inp_mcast_loop;
  }
  uint32_t src = inp.inp_laddr;
  if (int e = in_sendcontrol(ctl.get(), &o, &src)) return e;
  if (src && src != inp.inp_laddr && !in_localaddr(in, src)) return EINVAL;
  dst = in_anydst(inp, dst);
  // Linux udp_sendmsg: a group goes out on IP_MULTICAST_IF's interface when
  // one is set, without a route.
  if (mcast) o.ifp = in_mcast_ifp(in, inp, &src);
  if (!o.ifp)
    if (int e = in_pcbroute(in, src, dst, &src, inp.inp_transparent)) {
      if (e == ENETUNREACH) in.ipstat.noroute++;
      return e;
    }
  if (int e = udp_toobig(in, inp, o, dst, len)) return e;
  if (inp.udp_cork) {  // the first corked send fixes where the datagram goes
    udp_cork_start(inp, data.release(), len, dport, false);
    inp.cork_src = src;
    inp.cork_dst = dst;
    inp.cork_o = o;
    return 0;
  }
  return udp_output(in, inp, data.release(), len, src, dst, dport, o);
}

// Linux udpv6_sendmsg's destination on an inet6 socket: AF_INET6 (a
// v4-mapped one goes the IPv4 way), AF_INET (IPv4), AF_UNSPEC (none).
int udp6_dispatch(Inet& in, Socket& so, InPcb& inp, mbuf* m, int len, const SockAddr* addr, mbuf* control) {
  MbufPtr data(m);
  MbufPtr ctl(control);
  if (addr && addr->len < offsetof(sockaddr, sa_data)) return EINVAL;
  const int fam = addr ? addr->family() : AF_UNSPEC;
  if (fam == AF_INET) {
    if (inp.in6p.v6only) return ENETUNREACH;
    uint32_t dst;
    uint16_t dport;
    if (int e = udp_dest(*addr, &dst, &dport)) return e;
    return udp4_send(in, so, inp, data.release(), len, &dst, dport, ctl.release());
  }
  if (fam != AF_INET6 && fam != AF_UNSPEC) return EINVAL;
  In6 dst{};
  uint16_t dport = 0;
  if (fam == AF_INET6) {
    if (addr->len < 24) return EINVAL;
    if (int e = in6_getsin6(*addr, &dst, &dport)) return e;
    if (wire::in6_is_unspecified(dst) && wire::in6_is_v4mapped(inp.in6p_laddr)) dst = in6_mapped(0x7f000001);
  } else if (!(so.so_state & SS_ISCONNECTED)) {
    return EDESTADDRREQ;
  } else if (inp.inp_vflag == INP_IPV4) {
    return inp.in6p.v6only ? ENETUNREACH : udp4_send(in, so, inp, data.release(), len, nullptr, 0, ctl.release());
  } else {
    dst = inp.in6p_faddr;
    dport = inp.inp_fport;
  }
  if (wire::in6_is_v4mapped(dst)) {
    if (inp.in6p.v6only) return ENETUNREACH;
    const uint32_t d4 = in6_mapped_v4(dst);
    return udp4_send(in, so, inp, data.release(), len, &d4, dport, ctl.release());
  }
  if (fam == AF_INET6 && dport == 0) return EINVAL;
  return udp6_send(in, inp, data.release(), len, dst, dport, ctl.release());
}

int udp_send(Socket& so, int flags, mbuf* m, const SockAddr* addr, mbuf* control, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  MbufPtr data(m);
  MbufPtr ctl(control);
  int len = data ? m_length(data.get()) : 0;
  // Linux inet_send_prepare binds an unbound socket before udp_sendmsg looks
  // at anything, so even a send that fails leaves it bound.
  if (!inp.inp_lport)
    if (udp_autobind(in, so, inp, td)) return EAGAIN;
  if (len > 0xffff) return EMSGSIZE;
  if (flags & PRUS_OOB) return EOPNOTSUPP;
  if (inp.udp_pending) return udp_append_pending(in, inp, data.release(), len);
  if (is6(inp)) return udp6_dispatch(in, so, inp, data.release(), len, addr, ctl.release());
  uint32_t dst = 0;
  uint16_t dport = 0;
  if (addr) {
    if (int e = udp_dest(*addr, &dst, &dport)) return e;
  } else if (!(so.so_state & SS_ISCONNECTED)) {
    return EDESTADDRREQ;
  }
  return udp4_send(in, so, inp, data.release(), len, addr ? &dst : nullptr, dport, ctl.release());
}

// The UDP header on payload p (consumed; null is empty) with its checksum
// over the family's pseudo-header (psum(ulen): RFC 768 or RFC 8200 §8.1);
// for UDP-Lite the length field carries the coverage and the checksum
// covers that much (RFC 3828 §3.1). nullptr: no buffers.
template <class Pseudo>
mbuf* udp_header(const InPcb& inp, mbuf* p, int len, uint16_t dport, Pseudo psum) {
  if (!p) {
    p = m_gethdr(M_NOWAIT, MType::Data);
    if (!p) return nullptr;
    p->m_len = 0;
  }
  p = m_prepend(p, wire::kUdpHdrLen, M_NOWAIT);
  if (!p) return nullptr;
  std::byte* uh = p->m_data;
  const int ulen = len + wire::kUdpHdrLen;  // at most 65535: udp_toobig / udp6_toobig
  int cov = ulen;
  const uint16_t lenfield =
      inp.inp_proto == IPPROTO_UDPLITE ? udplite_cscov_out(inp, ulen, &cov) : uint16_t(ulen);
  wire::put16(uh, inp.inp_lport);
  wire::put16(uh + 2, dport);
  wire::put16(uh + 4, lenfield);
  wire::put16(uh + 6, 0);
  const uint16_t sum = wire::cksum_finish(in_cksum_chain(p, 0, cov, psum(ulen)));
  // RFC 768, RFC 8200 §8.1: a computed zero is sent as all ones (over IPv6
  // zero would mean none, which it does not allow); UDP-Lite never sends a
  // zero checksum either (RFC 3828 §3.1).
  wire::put16(uh + 6, sum == 0 ? 0xffff : sum);
  return p;
}

int udp_output(Inet& in, InPcb& inp, mbuf* p, int len, uint32_t src, uint32_t dst, uint16_t dport,
               const IpOutOpts& o) {
  const uint8_t proto = uint8_t(inp.inp_proto);
  p = udp_header(inp, p, len, dport, [&](int ulen) { return wire::pseudo_sum(src, dst, proto, uint16_t(ulen)); });
  if (!p) return ENOBUFS;
  udp_stat(in, proto).opackets++;
  return ip_output(in, p, src, dst, proto, o);
}

// Linux udp_push_pending_frames: the gathered datagram goes out.
int udp6_output(Inet& in, InPcb& inp, mbuf* p, int len, const In6& src, const In6& dst, uint16_t dport,
                const Ip6OutOpts& o);

int udp_push_pending(Inet& in, InPcb& inp) {
  if (!inp.udp_pending) return 0;
  mbuf* p = inp.udp_pend;
  const int len = inp.udp_pendlen;
  inp.udp_pend = nullptr;
  inp.udp_pendlen = 0;
  inp.udp_pending = false;
  if (inp.cork_v6)  // the options are the socket's at push time (not the first send's cmsgs)
    return udp6_output(in, inp, p, len, inp.cork_src6, inp.cork_dst6, inp.cork_dport,
                       ip6_outopts(inet6(in.st), inp.in6p, inp.cork_dst6));
  return udp_output(in, inp, p, len, inp.cork_src, inp.cork_dst, inp.cork_dport, inp.cork_o);
}

// Linux ipv6_local_rxpmtu (IPV6_RECVPATHMTU): a send that IPV6_DONTFRAG
// refused leaves a record for recvmsg: no data, the destination (port 0)
// as its name, an IPV6_PATHMTU cmsg (struct ip6_mtuinfo). DEVIATION: Linux
// keeps only the latest one beside the receive queue (np->rxpmtu), read
// before any datagram and not polled; here each is a record at the queue's
// end, polled POLLIN, without SO_TIMESTAMP's cmsg.
void udp6_rxpmtu(InPcb& inp, const Ip6OutOpts& o, const In6& dst, uint32_t mtu) {
  Socket& so = *inp.inp_socket;
  ip6_mtuinfo mi{};
  mi.ip6m_addr.sin6_family = AF_INET6;
  std::memcpy(&mi.ip6m_addr.sin6_addr, dst.data(), 16);
  mi.ip6m_addr.sin6_scope_id = o.ifp ? uint32_t(o.ifp->if_index) : 0;
  mi.ip6m_mtu = mtu;
  const SockAddr from = SockAddr::from(&mi.ip6m_addr, sizeof mi.ip6m_addr);
  mbuf* control = in_cmsg(SOL_IPV6, IPV6_PATHMTU, &mi, sizeof mi);
  mbuf* empty = m_get(M_NOWAIT, MType::Data);
  if (!control || !empty || !sbappendaddr(so.so_rcv, from, empty, control)) {
    m_freem(control);
    m_freem(empty);
    return;
  }
  sorwakeup(so);
}

// Linux __ip6_append_data: more than the socket may send in one packet
// (the MTU when it must not fragment: IPV6_DONTFRAG, IPV6_PMTUDISC_DO,
// PROBE, INTERFACE; else 65535 of UDP) is EMSGSIZE, with IPV6_RECVERR an
// SO_EE_ORIGIN_LOCAL error naming the MTU (ipv6_local_error).
int udp6_toobig(const Inet6& in6, InPcb& inp, const Ip6OutOpts& o, const In6& dst, int len) {
  const ifnet* ifp = o.ifp ? o.ifp : in6_out_ifp(in6, dst);
  uint32_t mtu = ifp ? std::min<uint32_t>(ifp->if_mtu, 65535) : 1500;
  if (!o.ignore_pmtu)
    if (uint32_t pm = ip6_pmtu(in6, dst)) mtu = std::min(mtu, pm);
  if (o.fragsize) mtu = std::min(mtu, o.fragsize);
  const int room = o.dontfrag ? int(mtu) - wire::kIp6HdrLen : 65535;
  if (len + wire::kUdpHdrLen <= room) return 0;
  if (o.dontfrag_set && inp.inp_proto == IPPROTO_UDP && inp.in6p.recvpathmtu) udp6_rxpmtu(inp, o, dst, mtu);
  if (inp.in6p.recverr && inp.errq.size() < 64) {
    SockErr e;
    e.v6 = true;
    e.ee_errno = EMSGSIZE;
    e.ee_origin = SO_EE_ORIGIN_LOCAL;
    e.ee_info = mtu;
    e.dst6 = dst;
    e.dport = inp.inp_fport;
    inp.errq.push_back(std::move(e));
    sorwakeup(*inp.inp_socket);
  }
  return EMSGSIZE;
}

// The IPv6 half of a send: options and cmsgs, source, then UDP_CORK's
// gathering or udp6_output.
int udp6_send(Inet& in, InPcb& inp, mbuf* m, int len, const In6& dst0, uint16_t dport, mbuf* control) {
  MbufPtr data(m);
  MbufPtr ctl(control);
  Inet6& in6 = inet6(in.st);
  In6 dst = dst0;
  if (wire::in6_is_unspecified(dst)) dst[15] = 1;  // :: means loopback (a BSD'ism Linux keeps)
  Ip6OutOpts o = in6_outopts(in6, inp, dst);
  In6 src{};
  if (int e = in6_sendcontrol(in6, ctl.get(), &o, &src)) return e;
  if (wire::in6_is_unspecified(src)) {
    if (int e = in6_pcbsrc(in6, inp, dst, &src)) {
      if (e == ENETUNREACH) in6.ip6stat.noroute++;
      return e;
    }
  }
  if (int e = udp6_toobig(in6, inp, o, dst, len)) return e;
  if (inp.udp_cork) {  // UDP_CORK: the first send fixes where the datagram goes
    udp_cork_start(inp, data.release(), len, dport, true);
    inp.cork_src6 = src;
    inp.cork_dst6 = dst;
    return 0;
  }
  return udp6_output(in, inp, data.release(), len, src, dst, dport, o);
}

// The UDP header with its RFC 8200 §8.1 checksum, ip6_output. Consumes p.
int udp6_output(Inet& in, InPcb& inp, mbuf* p, int len, const In6& src, const In6& dst, uint16_t dport,
                const Ip6OutOpts& o) {
  const uint8_t proto = uint8_t(inp.inp_proto);
  p = udp_header(inp, p, len, dport, [&](int ulen) { return wire::pseudo_sum6(src, dst, uint32_t(ulen), proto); });
  if (!p) return ENOBUFS;
  udp6_stat(in, proto).opackets++;
  return ip6_output(inet6(in.st), p, src, dst, proto, o);
}

int udp_sockaddr(Socket& so, SockAddr* nam) {
  InPcb& inp = *sotoinpcb(so);
  if (is6(inp)) return in6_pcbsockaddr(inp, false, nam);
  return in_sockaddr(inp.inp_laddr, inp.inp_lport, nam);
}

int udp_peeraddr(Socket& so, SockAddr* nam) {
  InPcb& inp = *sotoinpcb(so);
  if (!(so.so_state & SS_ISCONNECTED)) return ENOTCONN;
  if (is6(inp)) return in6_pcbsockaddr(inp, true, nam);
  return in_sockaddr(inp.inp_faddr, inp.inp_fport, nam);
}

}  // namespace

// Linux udp_lib_setsockopt/getsockopt, which serve SOL_UDP and SOL_UDPLITE
// alike on both protocols. UDP_SEGMENT, UDP_GRO, UDP_ENCAP: not here.
int udp_ctloutput(Socket& so, Sockopt& s) {
  InPcb& inp = *sotoinpcb(so);
  if (s.sopt_dir == SOPT_GET) {
    int v = 0;
    switch (s.sopt_name) {
      case UDP_CORK: v = inp.udp_cork ? 1 : 0; break;
      // A UDP socket reads 0 (full coverage) and cannot change it.
      case UDPLITE_SEND_CSCOV: v = inp.udp_pcslen; break;
      case UDPLITE_RECV_CSCOV: v = inp.udp_pcrlen; break;
      default: return ENOPROTOOPT;
    }
    return sooptcopyout(s, &v, sizeof v);  // Linux: at most an int, fewer bytes if asked
  }
  int v = 0;
  if (s.sopt_valsize < sizeof v) return EINVAL;  // Linux: before it looks at the name
  std::memcpy(&v, s.sopt_val, sizeof v);
  switch (s.sopt_name) {
    case UDP_CORK:
      inp.udp_cork = v != 0;
      // Taking the cork out sends what was gathered; its error, if any, is the
      // datagram's (setsockopt itself succeeds, as on Linux).
      if (!inp.udp_cork) udp_push_pending(inet_so(so), inp);
      return 0;
    case UDPLITE_SEND_CSCOV:
    case UDPLITE_RECV_CSCOV:
      if (inp.inp_proto != IPPROTO_UDPLITE) return ENOPROTOOPT;
      udplite_setcscov(inp, s.sopt_name, v);
      return 0;
    default:
      return ENOPROTOOPT;
  }
}

PrUsrreqs udp_usrreqs() {
  PrUsrreqs u{};
  u.pru_attach = udp_attach;
  u.pru_detach = udp_detach;
  u.pru_bind = udp_bind;
  u.pru_connect = udp_connect;
  u.pru_disconnect = udp_disconnect;
  u.pru_shutdown = udp_shutdown;
  u.pru_send = udp_send;
  u.pru_sockaddr = udp_sockaddr;
  u.pru_peeraddr = udp_peeraddr;
  return u;
}

// The same requests: each finds its PCB list and counters by the socket's protocol.
PrUsrreqs udplite_usrreqs() { return udp_usrreqs(); }

std::string udplite_stats_text(const UdpStat& u) {
  auto l = [](uint64_t n, const char* what) { return "\t" + std::to_string(n) + " " + what + "\n"; };
  std::string s = "udplite:\n";
  s += l(u.ipackets, "datagrams received");
  s += l(u.hdrops, "with incomplete header");
  s += l(u.badcov, "with bad checksum coverage");
  s += l(u.nosum, "with no checksum (dropped)");
  s += l(u.badsum, "with bad checksum");
  s += l(u.shortcov, "with less coverage than the socket's minimum");
  s += l(u.noport, "dropped due to no socket");
  s += l(u.noportbcast, "broadcast/multicast datagrams undelivered");
  s += l(u.fullsock, "dropped due to full socket buffers");
  s += l(u.opackets, "datagrams output");
  return s;
}

}  // namespace tunsock
