// ICMP sockets: Linux "ping sockets" (SOCK_DGRAM/IPPROTO_ICMP: the echo id is
// the socket's local "port", the stack fills id and checksum, only echo
// replies with that id are received) and raw ICMP sockets (SOCK_RAW/
// IPPROTO_ICMP: the application writes the ICMP message, or the whole
// datagram with IP_HDRINCL, and reads every ICMP datagram with its IP
// header, less the types in its ICMP_FILTER).
// FreeBSD: netinet/raw_ip.c; Linux: net/ipv4/ping.c, raw.c.
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "netinet/in_var.hpp"
#include "netinet6/in6.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

Inet& inet_so(Socket& so) { return inet(*so.so_stack); }

bool deliver(Inet& in, InPcb& inp, mbuf* m, const wire::Ipv4Repr& ip, const ifnet* rcvif) {
  Socket& so = *inp.inp_socket;
  if (so.so_rcv.sb_state & SBS_CANTRCVMORE) {
    m_freem(m);
    return false;
  }
  SockAddr from;
  in_sockaddr(ip.src, 0, &from);
  mbuf* control = in_rcvcontrol(in, inp, ip, rcvif);
  if (!sbappendaddr(so.so_rcv, from, m, control)) {
    m_freem(m);
    m_freem(control);
    return false;
  }
  sorwakeup(so);
  return true;
}

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
  o.hdrincl = inp.inp_hdrincl;
  return o;
}

// sendmsg's control (ip_cmsg_send, as ping_v4_sendmsg and raw_sendmsg call
// it): IP_TTL and IP_TOS into o, IP_PKTINFO's source into *src (which must
// be ours); then the source the datagram leaves from. 0 or an errno.
int send_src(Inet& in, const InPcb& inp, const mbuf* control, uint32_t dst, IpOutOpts* o, uint32_t* src) {
  *src = inp.inp_laddr;
  if (int e = in_sendcontrol(control, o, src)) return e;
  if (*src && *src != inp.inp_laddr && !in_localaddr(in, *src)) return EINVAL;
  *src = in_pcbsrc(in, *src, dst);
  return *src ? 0 : ENETUNREACH;
}

int dest_of(Socket& so, InPcb& inp, const SockAddr* addr, uint32_t* dst) {
  if (addr) {
    uint16_t port;
    return in_getsin(*addr, dst, &port);
  }
  if (!(so.so_state & SS_ISCONNECTED)) return EDESTADDRREQ;
  *dst = inp.inp_faddr;
  return 0;
}

// --- ping sockets ---

int ping_attach(Socket& so, int, const Td& td) {
  // Linux ping_init_sock: only groups in net.ipv4.ping_group_range may make
  // ping sockets (others get EACCES and ping falls back to a raw socket).
  // DEVIATION: the primary group only; the kernel also checks supplementary ones.
  const Inet& in = inet_so(so);
  if (td.cred.gid < in.ping_group_lo || td.cred.gid > in.ping_group_hi) return EACCES;
  InPcb* inp = in_pcballoc(so, inet_so(so).icmpb, IPPROTO_ICMP);
  inp->inp_ping = true;
  // Linux inet_create: the ping protosw has INET_PROTOSW_REUSE (sk_reuse),
  // so SO_REUSEADDR reads 1 and two ping sockets may share an identifier.
  so.so_options |= SOF_REUSEADDR;
  return 0;
}

void icmp_detach(Socket& so) { in_pcbdetach(inet_so(so).icmpb, so); }

// Linux inet_autobind, from inet_send_prepare and inet_dgram_connect: an
// unbound ping socket takes an identifier before anything is checked, so a
// send or connect that then fails leaves it bound. EAGAIN when none is free.
int ping_autobind(Socket& so, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  if (inp.inp_lport) return 0;
  return in_pcbbind(in, in.icmpb, inp, nullptr, td) ? EAGAIN : 0;
}

int ping_presend(Socket& so) {
  Td td;
  td.cred = so.so_cred;
  return ping_autobind(so, td);
}

// Linux ping_bind: ping_check_bind_addr (the name, then the address: not
// multicast or broadcast, one of ours unless IP_FREEBIND) before the
// already-bound check, then the identifier (ping_get_port).
int ping_bind(Socket& so, const SockAddr& nam, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  if (nam.len < sizeof(sockaddr_in)) return EINVAL;
  sockaddr_in sin;
  std::memcpy(&sin, &nam.ss, sizeof sin);
  const uint32_t a = ntohl(sin.sin_addr.s_addr);
  if (nam.family() != AF_INET && !(nam.family() == AF_UNSPEC && a == 0)) return EAFNOSUPPORT;
  if (a && (IN_MULTICAST(a) || in_broadcast(in, a) ||
            (!in_localaddr(in, a) && !inp.inp_freebind && !inp.inp_transparent)))
    return EADDRNOTAVAIL;
  if (inp.inp_lport) return EINVAL;
  return in_pcbbind(in, in.icmpb, inp, &nam, td);
}

// Linux inet_dgram_connect: AF_UNSPEC disconnects; a ping socket is bound
// first; then ip4_datagram_connect: the destination and its port (Linux
// keeps it for getpeername, which says ENOTCONN while it is 0), a source
// address chosen now if none was bound.
int icmp_connect(Socket& so, const SockAddr& nam, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  if (nam.len < sizeof(sa_family_t)) return EINVAL;
  if (nam.family() == AF_UNSPEC) {
    in_pcbdisconnect(inp);
    return 0;
  }
  if (!inp.inp_ping) {  // raw: no port space
    uint32_t a;
    uint16_t p;
    if (int e = in_getsin(nam, &a, &p)) return e;
    const uint32_t src = in_pcbsrc(in, inp.inp_laddr, a);
    if (!src) return ENETUNREACH;
    if (!inp.inp_laddr) inp.inp_laddr = src;
    inp.inp_faddr = a;
    inp.inp_fport = p;
    so.so_state |= SS_ISCONNECTED;
    return 0;
  }
  if (int e = ping_autobind(so, td)) return e;
  return in_pcbconnect(in, in.icmpb, inp, nam, td);
}

int icmp_disconnect(Socket& so) {
  InPcb& inp = *sotoinpcb(so);
  if (inp.inp_ping) {
    in_pcbdisconnect(inp);
    return 0;
  }
  inp.inp_faddr = 0;
  inp.inp_fport = 0;
  if (!inp.bindaddr_lock) inp.inp_laddr = 0;
  so.so_state &= ~SS_ISCONNECTED;
  return 0;
}

int icmp_shutdown(Socket& so) {
  socantsendmore(so);
  return 0;
}

int ping_send(Socket& so, int, mbuf* m, const SockAddr* addr, mbuf* control, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  MbufPtr data(m);
  MbufPtr ctl(control);
  uint32_t dst;
  if (int e = dest_of(so, inp, addr, &dst)) return e;
  int len = data ? m_length(data.get()) : 0;
  if (len > 0xffff) return EMSGSIZE;
  if (len < wire::kIcmpHdrLen) return EINVAL;
  mbuf* p = m_pullup(data.release(), wire::kIcmpHdrLen);
  if (!p) return ENOBUFS;
  data.reset(p);
  // Linux ping_v4_sendmsg: only echo requests, code 0.
  if (uint8_t(p->m_data[0]) != wire::ICMP_ECHO_ || p->m_data[1] != std::byte(0)) return EINVAL;
  if (!inp.inp_lport)
    if (int e = in_pcbbind(in, in.icmpb, inp, nullptr, td)) return e;
  IpOutOpts o = out_opts(so, inp);
  o.hdrincl = false;
  uint32_t src;
  if (int e = send_src(in, inp, ctl.get(), dst, &o, &src)) return e;
  wire::put16(p->m_data + 4, inp.inp_lport);
  wire::put16(p->m_data + 2, 0);
  wire::put16(p->m_data + 2, wire::cksum_finish(in_cksum_chain(p, 0, len, 0)));
  in.icmpstat.outmsgs++;
  in.icmpstat.outecho++;
  return ip_output(in, data.release(), src, dst, wire::IPPROTO_ICMP_, o);
}

// Linux inet_getname: the port is inet_sport (a ping socket's identifier;
// a raw socket's protocol, its inet_num); a peer only with a port, so a
// socket connected to port 0 (as ping connects) says ENOTCONN.
int icmp_sockaddr(Socket& so, SockAddr* nam) {
  InPcb& inp = *sotoinpcb(so);
  return in_sockaddr(inp.inp_laddr, inp.inp_ping ? inp.inp_lport : uint16_t(inp.inp_proto), nam);
}

int icmp_peeraddr(Socket& so, SockAddr* nam) {
  InPcb& inp = *sotoinpcb(so);
  if (!(so.so_state & SS_ISCONNECTED) || !inp.inp_fport) return ENOTCONN;
  return in_sockaddr(inp.inp_faddr, inp.inp_fport, nam);
}

// --- raw ICMP ---

int rip_attach(Socket& so, int proto, const Td&) {
  // Linux inet_create: SOCK_RAW matches only a named protocol (the raw
  // entry's IPPROTO_IP is a wildcard, not a default).
  if (proto == 0) return EPROTONOSUPPORT;
  // DEVIATION: no CAP_NET_RAW check here; who may open raw sockets is the daemon's policy.
  in_pcballoc(so, inet_so(so).icmpb, IPPROTO_ICMP);
  so.so_options |= SOF_REUSEADDR;  // Linux: INET_PROTOSW_REUSE, as ping
  return 0;
}

int rip_bind(Socket& so, const SockAddr& nam, const Td&) {
  Inet& in = inet_so(so);
  uint32_t a;
  uint16_t p;
  if (int e = in_getsin(nam, &a, &p)) return e;
  if (a && !in_localaddr(in, a) && !in_broadcast(in, a)) return EADDRNOTAVAIL;
  sotoinpcb(so)->inp_laddr = a;
  so.so_state |= SS_ISBOUND;
  return 0;
}

int rip_send(Socket& so, int, mbuf* m, const SockAddr* addr, mbuf* control, const Td&) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  MbufPtr data(m);
  MbufPtr ctl(control);
  uint32_t dst;
  if (int e = dest_of(so, inp, addr, &dst)) return e;
  if (!data) return EINVAL;
  IpOutOpts o = out_opts(so, inp);
  uint32_t src;
  if (int e = send_src(in, inp, ctl.get(), dst, &o, &src)) return e;
  in.icmpstat.outmsgs++;
  return ip_output(in, data.release(), src, dst, wire::IPPROTO_ICMP_, o);
}

}  // namespace

bool ping_input(Inet& in, const mbuf* m, const wire::Ipv4Repr& ip) {
  std::byte h[wire::kIcmpHdrLen];
  m_copydata(m, ip.hlen, wire::kIcmpHdrLen, h);
  uint16_t id = wire::get16(h + 4);
  // Linux ping_lookup: the identifier and the bound address; a connected
  // socket takes replies from anyone.
  for (InPcb* inp : in.icmpb) {
    if (!inp->inp_ping || inp->inp_lport != id) continue;
    if (inp->inp_laddr && inp->inp_laddr != ip.dst) continue;
    mbuf* c = m_copym(const_cast<mbuf*>(m), ip.hlen, M_COPYALL, M_NOWAIT);
    return c && deliver(in, *inp, c, ip, m->m_pkthdr.rcvif);
  }
  return false;
}

void rip_input(Inet& in, const mbuf* m, const wire::Ipv4Repr& ip) {
  uint8_t type = 0xff;
  if (ip.total_len > ip.hlen) {
    std::byte t;
    m_copydata(m, ip.hlen, 1, &t);
    type = uint8_t(t);
  }
  for (InPcb* inp : in.icmpb) {
    if (inp->inp_ping) continue;
    if (inp->inp_laddr && inp->inp_laddr != ip.dst) continue;
    if (inp->inp_faddr && inp->inp_faddr != ip.src) continue;
    if (type < 32 && (inp->icmp_filter & (1u << type))) continue;  // Linux ICMP_FILTER
    if (mbuf* c = m_copym(const_cast<mbuf*>(m), 0, M_COPYALL, M_NOWAIT)) deliver(in, *inp, c, ip, m->m_pkthdr.rcvif);
  }
}

void ping_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> q) {
  bool hard;
  int err = icmp_to_errno(ic.type, ic.code, &hard);
  size_t qhl = size_t(uint8_t(q[0]) & 0xf) * 4;
  if (!err || uint8_t(q[qhl]) != wire::ICMP_ECHO_) return;
  uint16_t id = wire::get16(&q[qhl + 4]);
  uint32_t src = wire::get32(&q[12]), dst = wire::get32(&q[16]);
  for (InPcb* inp : in.icmpb) {
    if (!inp->inp_ping || inp->inp_lport != id || (inp->inp_laddr && inp->inp_laddr != src)) continue;
    SockErr e;
    e.ee_errno = err;
    e.ee_type = ic.type;
    e.ee_code = ic.code;
    e.offender = offender;
    e.dst = dst;
    e.payload.assign(q.begin() + long(qhl), q.end());
    in.icmpstat.inerrors_delivered++;
    in_sockerr(*inp, std::move(e), hard);
    return;
  }
}

// Linux raw_icmp_error/raw_err: an ICMP error quoting an ICMP datagram goes
// to each raw ICMP socket whose addresses match the quoted one (bound to its
// source, connected to its destination); with IP_RECVERR it is queued (the
// quoted ICMP message as payload: ping's raw mode prints "From ..." from
// there) and so_error set; a fatal one sets so_error even without it.
void rip_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> q) {
  if (ic.type == wire::ICMP_SOURCEQUENCH_) return;
  bool hard;
  int err = icmp_to_errno(ic.type, ic.code, &hard);
  if (!err) return;
  const size_t qhl = size_t(uint8_t(q[0]) & 0xf) * 4;
  const uint32_t src = wire::get32(&q[12]), dst = wire::get32(&q[16]);
  for (InPcb* inp : in.icmpb) {
    if (inp->inp_ping || (inp->inp_laddr && inp->inp_laddr != src) || (inp->inp_faddr && inp->inp_faddr != dst))
      continue;
    Socket& so = *inp->inp_socket;
    if (inp->inp_recverr && inp->errq.size() < 64) {
      SockErr e;
      e.ee_errno = err;
      e.ee_type = ic.type;
      e.ee_code = ic.code;
      e.ee_info = ic.type == wire::ICMP_UNREACH_ && ic.code == wire::ICMP_UNREACH_NEEDFRAG_ ? (ic.rest & 0xffff) : 0;
      e.offender = offender;
      e.dst = dst;
      e.payload.assign(q.begin() + long(inp->inp_hdrincl ? 0 : qhl), q.end());
      inp->errq.push_back(std::move(e));
    }
    if (inp->inp_recverr || hard) {
      so.so_error = err;
      in.icmpstat.inerrors_delivered++;
      sorwakeup(so);
      sowwakeup(so);
    }
  }
}

int ping_get_ident(Stack& st, const Socket& so, uint16_t want, uint16_t* id) {
  Inet* in = inet_of(st);
  Inet6* in6 = inet6_of(st);
  // Does a ping socket other than so hold ident (and may not share it)?
  auto held = [&](uint16_t ident, bool sharing) {
    auto blocks = [&](const Socket& o) {
      return &o != &so && !(sharing && (o.so_options & SOF_REUSEADDR) && (so.so_options & SOF_REUSEADDR));
    };
    if (in)
      for (const InPcb* p : in->icmpb)
        if (p->inp_ping && p->inp_lport == ident && blocks(*p->inp_socket)) return true;
    if (in6)
      for (const In6Pcb* p : in6->icmp6b)
        if (p->ping && p->lport == ident && blocks(*p->so)) return true;
    return false;
  };
  if (want) {
    if (held(want, true)) return EADDRINUSE;
    *id = want;
    return 0;
  }
  uint16_t& rover = in ? in->ping_port_rover : in6->ping_last_id;
  uint16_t cand = uint16_t(rover + 1);
  for (int i = 0; i < 65536; ++i, ++cand) {
    if (!cand) ++cand;  // never 0
    if (!held(cand, false)) {
      rover = *id = cand;
      return 0;
    }
  }
  return EADDRINUSE;
}

PrUsrreqs ping_usrreqs() {
  PrUsrreqs u{};
  u.pru_attach = ping_attach;
  u.pru_detach = icmp_detach;
  u.pru_bind = ping_bind;
  u.pru_connect = icmp_connect;
  u.pru_disconnect = icmp_disconnect;
  u.pru_shutdown = icmp_shutdown;
  u.pru_send = ping_send;
  u.pru_sockaddr = icmp_sockaddr;
  u.pru_peeraddr = icmp_peeraddr;
  u.pru_presend = ping_presend;
  return u;
}

PrUsrreqs rip_usrreqs() {
  PrUsrreqs u = ping_usrreqs();
  u.pru_attach = rip_attach;
  u.pru_bind = rip_bind;
  u.pru_send = rip_send;
  u.pru_presend = nullptr;  // a raw socket's inet_num is its protocol: never autobound
  return u;
}

}  // namespace tunsock
