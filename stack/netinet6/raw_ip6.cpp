// ICMPv6 sockets: Linux "ping sockets" over IPv6 (SOCK_DGRAM/IPPROTO_ICMPV6:
// the echo identifier is the socket's local "port", the stack fills it and
// the checksum, only echo replies with that identifier are received; who
// may make one: net.ipv4.ping_group_range, as Linux) and raw ICMPv6 sockets
// (SOCK_RAW/IPPROTO_ICMPV6: the application writes the ICMPv6 message, the
// stack computes its checksum as RFC 3542 §3.1 requires, and reads every
// ICMPv6 message, without the IPv6 header, less the types its ICMP6_FILTER
// blocks, RFC 3542 §3.2). FreeBSD: netinet6/raw_ip6.c, icmp6.c
// (icmp6_ctloutput); Linux: net/ipv6/ping.c, raw.c (rawv6_seticmpfilter).
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/if.hpp"
#include "netinet/in_var.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

Inet6& inet6_so(Socket& so) { return inet6(*so.so_stack); }
In6Pcb& pcb(Socket& so) { return *static_cast<In6Pcb*>(so.so_pcb); }

bool deliver(const Inet6& in6, In6Pcb& p, std::span<const std::byte> msg, const wire::Ip6Repr& ip) {
  Socket& so = *p.so;
  if (so.so_rcv.sb_state & SBS_CANTRCVMORE) return false;
  mbuf* m = m_devget(msg.data(), int(msg.size()), M_NOWAIT, true);
  if (!m) return false;
  SockAddr from;
  in6_sockaddr(ip.src, 0, &from);
  // IPV6_RECVPKTINFO, RECVHOPLIMIT, RECVTCLASS as UDP's (Linux rawv6_recvmsg
  // and ping_recvmsg call ip6_datagram_recv_ctl). The interface: the one
  // holding the destination (the message carries no rcvif here).
  mbuf* control = ip6_rcvcontrol(so, p.opts, ip, in6_addr_ifp(in6, ip.dst));
  if (!sbappendaddr(so.so_rcv, from, m, control)) {
    m_freem(m);
    m_freem(control);
    return false;
  }
  sorwakeup(so);
  return true;
}

int pcb_alloc(Socket& so, bool ping) {
  auto* p = new In6Pcb;
  p->so = &so;
  p->ping = ping;
  // Linux ping_init_sock: a ping socket is IPv6-only (raw ones follow
  // net.ipv6.bindv6only); both protosws have INET_PROTOSW_REUSE, so
  // SO_REUSEADDR reads 1 (and ping sockets may share an identifier).
  p->opts.v6only = ping || inet6_so(so).bindv6only;
  so.so_options |= SOF_REUSEADDR;
  so.so_pcb = p;
  inet6_so(so).icmp6b.push_back(p);
  return 0;
}

void icmp6_detach(Socket& so) {
  if (!so.so_pcb) return;
  In6Pcb* p = &pcb(so);
  inet6_so(so).icmp6b.remove(p);
  so.so_pcb = nullptr;
  delete p;
}

// Linux inet_autobind (inet_send_prepare, inet_dgram_connect): an unbound
// ping socket takes an identifier before anything is checked, so a send or
// connect that then fails leaves it bound. EAGAIN when none is free.
int ping6_autobind(Socket& so) {
  In6Pcb& p = pcb(so);
  if (p.lport) return 0;
  if (ping_get_ident(*so.so_stack, so, 0, &p.lport)) return EAGAIN;
  so.so_state |= SS_ISBOUND;
  return 0;
}

int ping6_presend(Socket& so) { return ping6_autobind(so); }

// An interface by index (a scope id); nullptr: none.
const ifnet* ifp_of_index(const Stack& st, uint32_t idx) {
  if (const IfState* ifs = if_state(st))
    for (auto& i : ifs->ifs)
      if (uint32_t(i->if_index) == idx) return i.get();
  return nullptr;
}

// Linux ping_check_bind_addr for IPv6: a whole sockaddr_in6, AF_INET6, a
// unicast address (or ::; not multicast, not v4-mapped), a link-scope one
// with its scope id (an existing interface, holding it), one of ours.
// DEVIATION: no IPV6_FREEBIND on ICMPv6 sockets, and the scope id does not
// bind the socket to its interface (scope ids are not used by routing).
int ping6_check_bind_addr(Socket& so, const SockAddr& nam, In6* a, uint16_t* port) {
  if (nam.len < sizeof(sockaddr_in6)) return EINVAL;
  if (int e = in6_getsin6(nam, a, port)) return e;
  const bool any = wire::in6_is_unspecified(*a);
  sockaddr_in6 s;
  std::memcpy(&s, &nam.ss, sizeof s);
  const bool scoped = wire::in6_needs_scope_id(*a);
  if ((!any && (wire::in6_is_multicast(*a) || wire::in6_is_v4mapped(*a))) || (scoped && !s.sin6_scope_id))
    return EINVAL;
  Inet6& in6 = inet6_so(so);
  const ifnet* dev = nullptr;
  if (s.sin6_scope_id && !(dev = ifp_of_index(*so.so_stack, s.sin6_scope_id))) return ENODEV;
  if (any) return 0;
  const ifnet* holder = in6_addr_ifp(in6, *a);
  if (scoped ? holder != dev : !in6_localaddr(in6, *a)) return EADDRNOTAVAIL;
  return 0;
}

int ping6_attach(Socket& so, int proto, const Td& td) {
  // socket(AF_INET6, SOCK_DGRAM, 0) is UDP (the first SOCK_DGRAM entry).
  if (proto != IPPROTO_ICMPV6) return EPROTONOSUPPORT;
  // Linux ping_init_sock: the same net.ipv4.ping_group_range for both families.
  uint32_t lo = 0, hi = 2147483647;
  if (const Inet* in = inet_of(*so.so_stack)) {
    lo = in->ping_group_lo;
    hi = in->ping_group_hi;
  }
  if (td.cred.gid < lo || td.cred.gid > hi) return EACCES;
  return pcb_alloc(so, true);
}

int rip6_attach(Socket& so, int proto, const Td&) {
  if (proto != IPPROTO_ICMPV6) return EPROTONOSUPPORT;
  // DEVIATION: no CAP_NET_RAW check here; who may open raw sockets is the daemon's policy.
  return pcb_alloc(so, false);
}

// Linux ping_bind: the address checks, then "bound once" (EINVAL, also
// after a send or connect took an identifier), then the identifier.
int ping6_bind(Socket& so, const SockAddr& nam, const Td&) {
  In6Pcb& p = pcb(so);
  In6 a;
  uint16_t port;
  if (int e = ping6_check_bind_addr(so, nam, &a, &port)) return e;
  if (p.lport) return EINVAL;
  if (int e = ping_get_ident(*so.so_stack, so, port, &p.lport)) return e;
  p.laddr = a;
  p.bindaddr_lock = !wire::in6_is_unspecified(a);
  p.bindport_lock = port != 0;
  so.so_state |= SS_ISBOUND;
  return 0;
}

int rip6_bind(Socket& so, const SockAddr& nam, const Td&) {
  Inet6& in6 = inet6_so(so);
  In6Pcb& p = pcb(so);
  In6 a;
  uint16_t port;
  if (int e = in6_getsin6(nam, &a, &port)) return e;
  if (!wire::in6_is_unspecified(a) && !in6_localaddr(in6, a)) return EADDRNOTAVAIL;
  p.laddr = a;
  so.so_state |= SS_ISBOUND;
  return 0;
}

// Linux __udp_disconnect (ping's and raw's disconnect): the peer goes; the
// source address unless bind fixed it; a ping socket's identifier unless
// bind chose it (one a send or connect took is given back).
int icmp6_disconnect(Socket& so) {
  In6Pcb& p = pcb(so);
  p.faddr = {};
  p.fport = 0;
  if (!p.bindaddr_lock) p.laddr = {};
  if (p.ping && !p.bindport_lock) {
    p.lport = 0;
    so.so_state &= ~SS_ISBOUND;
  }
  so.so_state &= ~SS_ISCONNECTED;
  return 0;
}

// Linux inet_dgram_connect then ip6_datagram_connect(_v6_only for ping):
// AF_UNSPEC disconnects; a ping socket is bound first; the destination and
// its port (getpeername says ENOTCONN while it is 0); a source address is
// chosen now unless one was bound. A v4-mapped destination: ENETUNREACH on
// an IPv6-only socket (as every ping socket starts). DEVIATION: also
// without IPV6_V6ONLY (Linux connects such a raw socket over IPv4; its
// ping socket could not send there anyway: EINVAL).
int icmp6_connect(Socket& so, const SockAddr& nam, const Td&) {
  In6Pcb& p = pcb(so);
  if (nam.len < sizeof(sa_family_t)) return EINVAL;
  if (nam.family() == AF_UNSPEC) return icmp6_disconnect(so);
  if (p.ping)
    if (int e = ping6_autobind(so)) return e;
  In6 a;
  uint16_t port;
  if (int e = in6_getsin6(nam, &a, &port)) return e;
  if (wire::in6_is_v4mapped(a)) return ENETUNREACH;
  if (wire::in6_is_unspecified(a)) a[15] = 1;  // Linux: :: means ::1
  In6 src;
  if (int e = in6_selectsrc(inet6_so(so), a, nullptr, &src)) return e;
  if (wire::in6_is_unspecified(p.laddr)) p.laddr = src;
  p.faddr = a;
  p.fport = port;
  so.so_state |= SS_ISCONNECTED;
  return 0;
}

int icmp6_shutdown(Socket& so) {
  socantsendmore(so);
  return 0;
}

int dest_of(Socket& so, const SockAddr* addr, In6* dst) {
  if (addr) {
    uint16_t port;
    return in6_getsin6(*addr, dst, &port);
  }
  if (!(so.so_state & SS_ISCONNECTED)) return EDESTADDRREQ;
  *dst = pcb(so).faddr;
  return 0;
}

// Checksum (RFC 4443 §2.3) and output of an ICMPv6 message from p, with
// its SOL_IPV6 options and sendmsg's SOL_IPV6 control (Linux
// ip6_datagram_send_ctl for ping and raw sockets alike).
int icmp6_send(Inet6& in6, In6Pcb& p, mbuf* m, const In6& dst, const mbuf* control) {
  MbufPtr data(m);
  Ip6OutOpts o = ip6_outopts(in6, p.opts, dst);
  In6 src{};
  if (int e = in6_sendcontrol(in6, control, &o, &src)) return e;
  if (wire::in6_is_unspecified(src)) src = p.laddr;
  if (wire::in6_is_unspecified(src))
    if (int e = in6_selectsrc(in6, dst, o.ifp, &src)) return e;
  m = data.release();
  const int len = m_length(m);
  wire::put16(m->m_data + 2, 0);
  wire::put16(m->m_data + 2, wire::cksum_finish(in_cksum_chain(m, 0, len, wire::pseudo_sum6(src, dst, uint32_t(len), 58))));
  in6.icmp6stat.outmsgs++;
  in6.icmp6stat.outtype[uint8_t(m->m_data[0])]++;
  return ip6_output(in6, m, src, dst, wire::IPPROTO_ICMPV6_, o);
}

int ping6_send(Socket& so, int, mbuf* m, const SockAddr* addr, mbuf* control, const Td&) {
  Inet6& in6 = inet6_so(so);
  In6Pcb& p = pcb(so);
  MbufPtr data(m);
  MbufPtr ctl(control);
  In6 dst;
  if (int e = dest_of(so, addr, &dst)) return e;
  const int len = data ? m_length(data.get()) : 0;
  if (len > 0xffff) return EMSGSIZE;
  if (len < 8) return EINVAL;
  mbuf* h = m_pullup(data.release(), 8);
  if (!h) return ENOBUFS;
  data.reset(h);
  // Linux ping_v6_sendmsg: only echo requests, code 0; no v4-mapped destination.
  if (uint8_t(h->m_data[0]) != wire::ICMP6_ECHO_REQUEST_ || h->m_data[1] != std::byte(0)) return EINVAL;
  if (wire::in6_is_v4mapped(dst)) return EINVAL;
  if (int e = ping6_autobind(so)) return e;
  wire::put16(h->m_data + 4, p.lport);
  return icmp6_send(in6, p, data.release(), dst, ctl.get());
}

int rip6_send(Socket& so, int, mbuf* m, const SockAddr* addr, mbuf* control, const Td&) {
  Inet6& in6 = inet6_so(so);
  MbufPtr data(m);
  MbufPtr ctl(control);
  In6 dst;
  if (int e = dest_of(so, addr, &dst)) return e;
  // Linux rawv6_push_pending_frames: the checksum field must be in the data.
  if (!data || m_length(data.get()) < 4) return EINVAL;
  mbuf* h = m_pullup(data.release(), 4);
  if (!h) return ENOBUFS;
  return icmp6_send(in6, pcb(so), h, dst, ctl.get());
}

// Linux inet6_getname: the port is inet_sport (a ping socket's identifier;
// a raw socket's protocol, its inet_num); a peer only with a port, so a
// socket connected to port 0 (as ping connects) says ENOTCONN.
int icmp6_sockaddr(Socket& so, SockAddr* nam) {
  In6Pcb& p = pcb(so);
  return in6_sockaddr(p.laddr, p.ping ? p.lport : uint16_t(IPPROTO_ICMPV6), nam);
}

int icmp6_peeraddr(Socket& so, SockAddr* nam) {
  In6Pcb& p = pcb(so);
  if (!(so.so_state & SS_ISCONNECTED) || !p.fport) return ENOTCONN;
  return in6_sockaddr(p.faddr, p.fport, nam);
}

// Linux ping_lookup matches the bound address only (a connected ping socket
// takes replies from anyone); raw sockets (raw_v6_match) the peer too.
bool addr_ok(const In6Pcb& p, const wire::Ip6Repr& ip) {
  if (!wire::in6_is_unspecified(p.laddr) && p.laddr != ip.dst) return false;
  return p.ping || wire::in6_is_unspecified(p.faddr) || p.faddr == ip.src;
}

}  // namespace

int in6_sockaddr(const In6& a, uint16_t port, SockAddr* nam) {
  sockaddr_in6 s{};
  s.sin6_family = AF_INET6;
  s.sin6_port = htons(port);
  std::memcpy(&s.sin6_addr, a.data(), 16);
  *nam = SockAddr::from(&s, sizeof s);
  return 0;
}

int in6_getsin6(const SockAddr& nam, In6* a, uint16_t* port) {
  // Linux inet6 checks the length first (SIN6_LEN_RFC2133: 24 bytes, no scope id).
  if (nam.len < 24) return EINVAL;
  if (nam.family() != AF_INET6) return EAFNOSUPPORT;
  sockaddr_in6 s{};
  std::memcpy(&s, &nam.ss, std::min<size_t>(nam.len, sizeof s));
  std::memcpy(a->data(), &s.sin6_addr, 16);
  *port = ntohs(s.sin6_port);
  return 0;
}

void rip6_input(Inet6& in6, std::span<const std::byte> msg, const wire::Ip6Repr& ip) {
  const uint8_t type = uint8_t(msg[0]);
  for (In6Pcb* p : in6.icmp6b) {
    if (p->ping || !addr_ok(*p, ip)) continue;
    if (p->filter[type >> 5] & (1u << (type & 31))) continue;  // ICMP6_FILTER_WILLBLOCK
    deliver(in6, *p, msg, ip);
  }
}

bool ping6_input(Inet6& in6, std::span<const std::byte> msg, const wire::Ip6Repr& ip) {
  if (msg.size() < 8) return false;
  const uint16_t id = wire::get16(&msg[4]);
  for (In6Pcb* p : in6.icmp6b)
    if (p->ping && p->lport == id && addr_ok(*p, ip)) return deliver(in6, *p, msg, ip);
  return false;
}

namespace {

// Linux ipv6_icmp_error: the error queued for MSG_ERRQUEUE (IPV6_RECVERR),
// named by the quoted destination (port 0), the quoted ICMPv6 message as
// its payload; so_error set, readers and writers woken.
void icmp6_sockerr(In6Pcb& p, const Ip6CtlParam& c, bool queue) {
  Socket& so = *p.so;
  if (queue && p.errq.size() < 64) {
    SockErr e = icmp6_sockerr_entry(c);
    e.payload.assign(c.quoted.begin() + c.off, c.quoted.end());
    p.errq.push_back(std::move(e));
  }
  so.so_error = c.error;
  sorwakeup(so);
  sowwakeup(so);
}

}  // namespace

void icmp6_ctlinput(Inet6& in6, const Ip6CtlParam& c) {
  if (size_t(c.off) + 8 > c.quoted.size()) return;
  // Linux raw6_icmp_error/rawv6_err first: each raw ICMPv6 socket bound to
  // the quoted source (or unbound) and connected to its destination (or
  // not). Without IPV6_RECVERR only a connected one hears, and only of a
  // fatal error (a Packet Too Big: fatal under IPV6_PMTUDISC_DO only).
  for (In6Pcb* p : in6.icmp6b) {
    if (p->ping) continue;
    if (!wire::in6_is_unspecified(p->laddr) && p->laddr != c.src) continue;
    if (!wire::in6_is_unspecified(p->faddr) && p->faddr != c.dst) continue;
    const bool connected = p->so->so_state & SS_ISCONNECTED;
    if (!p->opts.recverr && !connected) continue;
    const bool hard = c.type == wire::ICMP6_PACKET_TOO_BIG_ ? p->opts.mtu_discover == IPV6_PMTUDISC_DO : c.fatal;
    if (p->opts.recverr || hard) icmp6_sockerr(*p, c, p->opts.recverr);
  }
  // Linux ping_err for IPv6: the ping socket of the quoted echo request's
  // identifier; without IPV6_RECVERR only a fatal error on a connected
  // socket is reported (so_error); with it every one, queued.
  if (uint8_t(c.quoted[size_t(c.off)]) != wire::ICMP6_ECHO_REQUEST_) return;
  const uint16_t id = wire::get16(&c.quoted[size_t(c.off) + 4]);
  for (In6Pcb* p : in6.icmp6b) {
    if (!p->ping || p->lport != id) continue;
    if (!wire::in6_is_unspecified(p->laddr) && p->laddr != c.src) continue;
    if ((c.fatal && (p->so->so_state & SS_ISCONNECTED)) || p->opts.recverr) icmp6_sockerr(*p, c, p->opts.recverr);
    return;
  }
}

std::deque<SockErr>& icmp6_errq(Socket& so) { return pcb(so).errq; }

int icmp6_ctloutput(Socket& so, Sockopt& s) {
  In6Pcb& p = pcb(so);
  const bool set = s.sopt_dir == SOPT_SET;
  if (s.sopt_level == IPPROTO_ICMPV6 && s.sopt_name == ICMP6_FILTER) {
    // Linux rawv6_seticmpfilter / rawv6_geticmpfilter: raw sockets only; a
    // longer value is cut to the filter's size, a shorter one fills its front.
    if (p.ping) return ENOPROTOOPT;
    if (set) {
      std::array<uint32_t, 8> f = p.filter;
      if (int e = sooptcopyin(s, f.data(), sizeof f, 0)) return e;
      p.filter = f;
      return 0;
    }
    return sooptcopyout(s, p.filter.data(), sizeof p.filter);
  }
  // Linux rawv6_setsockopt / ping_setsockopt: SOL_IPV6 to ipv6_setsockopt,
  // the same options as UDP's (IPV6_RECVERR off purges the error queue).
  if (s.sopt_level == IPPROTO_IPV6) {
    Ip6OptTarget t{p.opts};
    t.errq = &p.errq;
    t.bound = !p.ping || p.lport;  // a raw socket's inet_num is its protocol
    if (!set && s.sopt_name == IPV6_MTU && (so.so_state & SS_ISCONNECTED)) t.mtu = int(ip6_pmtu(inet6_so(so), p.faddr));
    return ip6_ctloutput(so, t, s);
  }
  return ENOPROTOOPT;
}

PrUsrreqs ping6_usrreqs() {
  PrUsrreqs u{};
  u.pru_attach = ping6_attach;
  u.pru_detach = icmp6_detach;
  u.pru_bind = ping6_bind;
  u.pru_connect = icmp6_connect;
  u.pru_disconnect = icmp6_disconnect;
  u.pru_shutdown = icmp6_shutdown;
  u.pru_send = ping6_send;
  u.pru_sockaddr = icmp6_sockaddr;
  u.pru_peeraddr = icmp6_peeraddr;
  u.pru_presend = ping6_presend;
  return u;
}

PrUsrreqs rip6_usrreqs() {
  PrUsrreqs u = ping6_usrreqs();
  u.pru_attach = rip6_attach;
  u.pru_bind = rip6_bind;
  u.pru_send = rip6_send;
  u.pru_presend = nullptr;  // a raw socket's inet_num is its protocol: never autobound
  return u;
}

}  // namespace tunsock
