// TCP user requests: what the socket layer asks of TCP through pr_usrreqs
// (attach, bind with Linux's rules, listen, connect with an RFC 6056 port,
// accept, send, rcvd, shutdown, disconnect, abort, close, detach).
// AF_INET6 sockets use the same requests (FreeBSD tcp6_usr_*; Linux
// inet6_bind, tcp_v6_connect): an IPv6 or a v4-mapped address decides the
// family the connection speaks (inp_vflag).
// FreeBSD: netinet/tcp_usrreq.c; Linux: net/ipv4/tcp.c, inet_connection_sock.c,
// net/ipv6/af_inet6.c, tcp_ipv6.c.
//
// Life of a control block: attach makes it with the socket; close starts the
// closing handshake (or resets: SO_LINGER 0, unread data) and detach leaves
// it an orphan that keeps the socket (SS_NOFDREF, so_pcb set) until the
// connection is over, when tcp_close frees both.
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"
#include "netinet6/in6.hpp"

namespace tunsock {

namespace {

constexpr uint32_t kTcpWmemDefault = 16384;   // net.ipv4.tcp_wmem[1]
constexpr uint32_t kTcpRmemDefault = 131072;  // net.ipv4.tcp_rmem[1]
constexpr uint16_t kPortLow = 32768, kPortHigh = 60999;
constexpr int kIpUnprivilegedPortStart = 1024;

Inet& inet_so(Socket& so) { return inet(*so.so_stack); }

int tcp_attach(Socket& so, int, const Td&) {
  // TCP's tables live with inet; an inet6-only stack has no TCP.
  Inet* inp_in = inet_of(*so.so_stack);
  if (!inp_in) return EPROTONOSUPPORT;
  Inet& in = *inp_in;
  auto* inp = new InPcb;
  inp->inp_family = so.so_proto->pr_domain->dom_family;
  // An AF_INET6 socket takes both families until bound or connected
  // (FreeBSD in6_pcballoc: INP_IPV6; Linux: sk_ipv6only from bindv6only).
  if (inp->inp_family == AF_INET6) {
    inp->in6p.v6only = in6_bindv6only(*so.so_stack);
    inp->inp_vflag = inp->in6p.v6only ? INP_IPV6 : INP_IPV6 | INP_IPV4;
  }
  inp->inp_socket = &so;
  inp->inp_proto = IPPROTO_TCP;
  inp->reuse_uid = so.so_cred.uid;
  so.so_pcb = inp;
  tcp_newtcpcb(in, *inp);
  // A socket of its own (not one sonewconn made from a listener) starts
  // with Linux's TCP buffer sizes.
  if (!(so.so_state & SS_NOFDREF)) {
    sbreserve(so.so_snd, kTcpWmemDefault);
    sbreserve(so.so_rcv, kTcpRmemDefault);
  }
  return 0;
}

void tcp_detach(Socket& so) {
  TcpCb* tp = sototcpcb(so);
  if (!tp) return;
  if (tp->t_state == TcpState::CLOSED) tcp_discardcb(tp);
  // else: an orphan finishing its connection; tcp_close frees it and the socket.
}

// RFC 9293 §3.10.4 CLOSE (and SHUT_WR): the FIN goes after the data.
void tcp_usrclosed(TcpCb& tp) {
  switch (tp.t_state) {
    case TcpState::SYN_RECEIVED:
    case TcpState::ESTABLISHED: tcp_set_state(tp, TcpState::FIN_WAIT_1); break;
    case TcpState::CLOSE_WAIT: tcp_set_state(tp, TcpState::LAST_ACK); break;
    default: return;
  }
  tcp_output(tp);
}

// The wildcard binding of an AF_INET6 socket: :: takes IPv4 too unless
// IPV6_V6ONLY (Linux ipv6_only_sock).
// sin6_scope_id of a full sockaddr_in6 (0 for the 24-byte RFC 2133 form).
uint32_t sin6_scope(const SockAddr& nam) {
  if (nam.len < sizeof(sockaddr_in6)) return 0;
  sockaddr_in6 s{};
  std::memcpy(&s, &nam.ss, sizeof s);
  return s.sin6_scope_id;
}

uint8_t wild_vflag(const InPcb& inp) {
  if (inp.inp_family != AF_INET6) return INP_IPV4;
  return inp.in6p.v6only ? INP_IPV6 : INP_IPV6 | INP_IPV4;
}

// Take port (0: any free one) on the addresses vflag names: addr (IPv4)
// and addr6 (IPv6). A port bind() took, even one it chose, stays the
// socket's through connect (Linux __inet_hash_connect keeps inet_num);
// listen()'s automatic one is not the program's.
int tcp_bind_port(Inet& in, InPcb& inp, uint8_t vflag, uint32_t addr, const In6& addr6, uint16_t port, const Td& td,
                  bool by_bind = true) {
  if (port && port < kIpUnprivilegedPortStart && td.cred.uid != 0) return EACCES;
  if (port == 0) {
    // Linux inet_csk_find_open_port: a random start in the local range.
    const uint32_t n = kPortHigh - kPortLow + 1;
    const uint32_t off = in.st.rng().next_u32() % n;
    for (uint32_t i = 0; i < n && !port; ++i) {
      const uint16_t cand = uint16_t(kPortLow + (off + i) % n);
      if (!tcp_port_conflict(in, inp, vflag, addr, addr6, cand, false)) port = cand;
    }
    if (!port) return EADDRINUSE;
  } else if (tcp_port_conflict(in, inp, vflag, addr, addr6, port, false)) {
    return EADDRINUSE;
  }
  if (by_bind) inp.bindport_lock = true;
  inp.inp_vflag = vflag;
  inp.inp_laddr = addr;
  inp.in6p_laddr = addr6;
  inp.bindaddr_lock = addr != 0 || !wire::in6_is_unspecified(addr6);
  inp.inp_lport = port;
  inp.inp_socket->so_state |= SS_ISBOUND;
  tcp_hash_insert(*inp.inp_tcpcb);
  return 0;
}

// Linux inet6_bind (__inet6_bind), in its order: a multicast address is
// EINVAL for TCP, then the privileged port, then the socket must be
// unbound, then the address must be ours: a v4-mapped one as inet_bind
// checks it (and never on a V6ONLY socket), an IPv6 one assigned here. A
// socket on an IPv6 address (not ::, not mapped) takes IPv6 only.
int tcp6_bind(Socket& so, const SockAddr& nam, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  In6 a;
  uint16_t port;
  if (int e = in6_getsin6(nam, &a, &port)) return e;
  if (wire::in6_is_multicast(a)) return EINVAL;
  if (port && port < kIpUnprivilegedPortStart && td.cred.uid != 0) return EACCES;
  if (inp.inp_lport || sototcpcb(so)->t_state != TcpState::CLOSED) return EINVAL;
  const bool anysrc = inp.inp_freebind || inp.inp_transparent;
  if (wire::in6_is_v4mapped(a)) {
    if (inp.in6p.v6only) return EINVAL;
    const uint32_t v4 = in6_mapped_v4(a);
    const bool valid = !v4 || in_localaddr(in, v4) || in_broadcast(in, v4) || (v4 >> 28) == 0xe;
    if (!valid && !anysrc) return EADDRNOTAVAIL;
    return tcp_bind_port(in, inp, INP_IPV4, v4, In6{}, port, td);
  }
  if (wire::in6_is_unspecified(a)) return tcp_bind_port(in, inp, wild_vflag(inp), 0, In6{}, port, td);
  Inet6* in6 = inet6_of(in.st);
  if (!in6) return EADDRNOTAVAIL;
  if (wire::in6_needs_scope_id(a)) {
    // Linux: a link-local address needs the interface (sin6_scope_id), and
    // must be that interface's (the rule udp's in6_pcbbind applies; a
    // link-scope multicast one was EINVAL above). DEVIATION: the interface is not kept for
    // routing (no scope ids in routes yet, in6_var.hpp).
    const uint32_t idx = sin6_scope(nam);
    if (!idx) return EINVAL;
    const ifnet* dev = nullptr;
    if (const IfState* ifs = if_state(static_cast<const Stack&>(in.st)))
      for (auto& i : ifs->ifs)
        if (uint32_t(i->if_index) == idx) dev = i.get();
    if (!dev) return ENODEV;
    if (!anysrc && in6_addr_ifp(*in6, a) != dev) return EADDRNOTAVAIL;
  } else if (!anysrc && !in6_localaddr(*in6, a)) {
    return EADDRNOTAVAIL;
  }
  // Linux: a specific IPv6 address makes the socket IPv6-only
  // (getsockopt(IPV6_V6ONLY) says 1 from then on); not when bind fails.
  const bool v6only = inp.in6p.v6only;
  inp.in6p.v6only = true;
  const int e = tcp_bind_port(in, inp, INP_IPV6, 0, a, port, td);
  if (e) inp.in6p.v6only = v6only;
  return e;
}

int tcp_bind(Socket& so, const SockAddr& nam, const Td& td) {
  if (sotoinpcb(so)->inp_family == AF_INET6) return tcp6_bind(so, nam, td);
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  if (nam.len < sizeof(sockaddr_in)) return EINVAL;
  sockaddr_in sin;
  std::memcpy(&sin, &nam.ss, sizeof sin);
  // Linux inet_bind: AF_UNSPEC stands for AF_INET with INADDR_ANY only.
  if (nam.family() != AF_INET && (nam.family() != AF_UNSPEC || sin.sin_addr.s_addr != 0)) return EAFNOSUPPORT;
  const uint32_t addr = ntohl(sin.sin_addr.s_addr);
  const uint16_t port = ntohs(sin.sin_port);
  // Linux __inet_bind, in its order: the address must be a local,
  // broadcast or multicast one (inet_addr_valid_or_nonlocal), then the
  // privileged port, then the socket must be unbound.
  const bool valid = !addr || in_localaddr(in, addr) || in_broadcast(in, addr) || (addr >> 28) == 0xe;
  if (!valid && !inp.inp_freebind && !inp.inp_transparent) return EADDRNOTAVAIL;
  if (port && port < kIpUnprivilegedPortStart && td.cred.uid != 0) return EACCES;
  if (inp.inp_lport || sototcpcb(so)->t_state != TcpState::CLOSED) return EINVAL;
  return tcp_bind_port(in, inp, INP_IPV4, addr, In6{}, port, td);
}

int tcp_listen(Socket& so, int, const Td& td) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  TcpCb& tp = *inp.inp_tcpcb;
  if (tp.t_state == TcpState::LISTEN) return 0;  // a new backlog only
  if (tp.t_state != TcpState::CLOSED) return EINVAL;
  if (!inp.inp_lport) {
    const uint8_t vflag = inp.bindaddr_lock ? inp.inp_vflag : wild_vflag(inp);
    if (int e = tcp_bind_port(in, inp, vflag, inp.inp_laddr, inp.in6p_laddr, 0, td, false)) return e;
  } else if (tcp_port_conflict(in, inp, inp.inp_vflag, inp.inp_laddr, inp.in6p_laddr, inp.inp_lport, true)) {
    return EADDRINUSE;  // Linux inet_csk_listen_start: the port is checked again as a listener's
  }
  tcp_hash_insert(tp);  // (again, after a listener that stopped: tcp_close unhashed it)
  tcp_set_state(tp, TcpState::LISTEN);
  return 0;
}

// What connect does once the 4-tuple is chosen: the SYN goes.
int tcp_connect_start(Socket& so, TcpCb& tp) {
  Inet& in = inet_so(so);
  if (tp.t_user_maxseg) tp.t_advmss = std::min(tp.t_advmss, tp.t_user_maxseg);
  tp.request_r_scale = tcp_rscale_for(so);
  tp.t_maxseg = std::min<uint32_t>(tp.t_advmss, kTcpDefaultMss);
  tp.snd_una = tp.snd_nxt = tp.snd_max = tp.snd_up = tp.snd_recover = tp.iss;
  tp.t_rcvtime = in.st.now();
  tp.t_rto = kTcpTimeoutInit;
  tp.t_rxtshift = 0;
  tp.t_rxt_first = Time{0};
  tcp_globals(in).stat.connattempt++;
  tp.t_active_open = true;
  so.so_error = 0;  // Linux tcp_connect_init: an old error (connect(AF_UNSPEC)'s) goes
  tcp_set_state(tp, TcpState::SYN_SENT);
  soisconnecting(so);
  // BSD: the connection completes later (soisconnected or so_error); the
  // caller sees SS_ISCONNECTING, as kern_connect does before EINPROGRESS.
  tcp_output(tp);
  return 0;
}

// A listener stops listening (Linux tcp_disconnect: inet_csk_listen_stop,
// CLOSE): what it queued is reset, accept is EINVAL, listen may start it
// again. A port the program bound stays its own (SOCK_BINDPORT_LOCK).
void tcp_listen_stop(Socket& so, TcpCb& tp) {
  solisten_stop(so);
  tcp_close(&tp, false);
  if (so.so_pcb && sotoinpcb(so)->bindport_lock) tcp_hash_insert(tp);
}

// connect(AF_UNSPEC): Linux tcp_disconnect, whatever the state. A
// listener stops listening; a synchronized connection is reset (RST) and
// a connect in progress dropped, each leaving sk_err ECONNRESET (POLLERR,
// SO_ERROR) until the next connect (tcp_connect_init clears it); CLOSING
// and LAST-ACK, their FIN sent, end quietly. The socket layer then makes
// the socket as new (soconnect_unspec).
int tcp_disconnect_unspec(Socket& so, TcpCb& tp) {
  switch (tp.t_state) {
    case TcpState::CLOSED: return 0;
    case TcpState::LISTEN: tcp_listen_stop(so, tp); return 0;
    case TcpState::SYN_SENT:
      tcp_close(&tp, false);
      so.so_error = ECONNRESET;
      return 0;
    case TcpState::SYN_RECEIVED:
    case TcpState::ESTABLISHED:
    case TcpState::CLOSE_WAIT:
    case TcpState::FIN_WAIT_1:
    case TcpState::FIN_WAIT_2: tcp_drop(&tp, ECONNRESET, false); return 0;
    default: tcp_close(&tp, false); return 0;  // CLOSING, LAST-ACK, TIME-WAIT
  }
}

// connect to an IPv4 destination (Linux tcp_v4_connect); an AF_INET6
// socket comes here for a v4-mapped one and then speaks IPv4.
int tcp_connect4(Socket& so, uint32_t dst, uint16_t dport) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  TcpCb& tp = *inp.inp_tcpcb;
  dst = in_anydst(inp, dst);
  if ((dst >> 28) == 0xe || in_broadcast(in, dst)) return ENETUNREACH;  // Linux tcp_v4_connect
  if (!inp.bindport_lock) {  // a failed connect left an automatic port (unhashed by tcp_close)
    tcp_hash_remove(inp);
    inp.inp_lport = 0;
  }
  if (!inp.bindaddr_lock) inp.inp_laddr = 0;
  uint32_t src;
  if (int e = in_pcbroute(in, inp.inp_laddr, dst, &src, inp.inp_transparent)) {
    if (e == ENETUNREACH) in.ipstat.noroute++;
    return e;
  }
  TcpGlobals& g = tcp_globals(in);
  const bool ephemeral = !inp.inp_lport;
  if (ephemeral) {
    const uint16_t port = tcp_ephemeral_port(in, src, dst, dport);
    if (!port) return EADDRNOTAVAIL;
    inp.inp_lport = port;
    inp.inp_connect_port = true;
  }
  // The 4-tuple is taken (Linux __inet_check_established) unless by a
  // TIME-WAIT this connect may take over.
  InPcb* tw = nullptr;
  if (auto c = g.conn.find(TcpKey{src, dst, inp.inp_lport, dport}); c != g.conn.end()) {
    if (!tcp_tw_reusable(in, *c->second, ephemeral)) return EADDRNOTAVAIL;
    tw = c->second;
  }
  inp.inp_vflag = INP_IPV4;
  inp.in6p_laddr = In6{};
  inp.inp_laddr = src;
  inp.inp_faddr = dst;
  inp.inp_fport = dport;
  so.so_state |= SS_ISBOUND;
  tp.iss = TcpSeq(tcp_new_isn(in, src, inp.inp_lport, dst, dport));
  if (tw) tcp_tw_takeover(tp, *tw);
  tcp_hash_insert(tp);
  tp.t_advmss = tcp_mss_for(in, dst);
  return tcp_connect_start(so, tp);
}

// connect of an AF_INET6 socket (Linux tcp_v6_connect): :: means this
// host (::1, or 127.0.0.1 on a socket bound to a mapped address), a
// v4-mapped destination goes over IPv4 unless the socket takes IPv6 only.
int tcp6_connect(Socket& so, const SockAddr& nam) {
  Inet& in = inet_so(so);
  InPcb& inp = *sotoinpcb(so);
  TcpCb& tp = *inp.inp_tcpcb;
  In6 dst;
  uint16_t dport;
  if (int e = in6_getsin6(nam, &dst, &dport)) return e;
  const bool bound_mapped = inp.bindaddr_lock && inp.inp_vflag == INP_IPV4;
  if (wire::in6_is_unspecified(dst)) {
    if (bound_mapped) dst = in6_mapped(0x7f000001);
    else dst[15] = 1;
  }
  if (wire::in6_is_multicast(dst)) return ENETUNREACH;
  // Linux: a link-local peer needs an interface: a scope id, or a bind to
  // a link-local address (which took one).
  if (wire::in6_needs_scope_id(dst) && !sin6_scope(nam) &&
      !(inp.bindaddr_lock && wire::in6_needs_scope_id(inp.in6p_laddr)))
    return EINVAL;
  if (wire::in6_is_v4mapped(dst)) {
    // Bound to an IPv6 address (Linux sets ipv6only then) or V6ONLY.
    if (inp.in6p.v6only || (inp.bindaddr_lock && !(inp.inp_vflag & INP_IPV4))) return ENETUNREACH;
    return tcp_connect4(so, in6_mapped_v4(dst), dport);
  }
  if (bound_mapped) return EAFNOSUPPORT;  // Linux: an IPv4 source towards an IPv6 peer
  Inet6* in6 = inet6_of(in.st);
  if (!in6) return ENETUNREACH;
  if (!inp.bindport_lock) {
    tcp_hash_remove(inp);
    inp.inp_lport = 0;
  }
  if (!inp.bindaddr_lock) inp.in6p_laddr = In6{};
  // The source: the bound address, else RFC 6724's choice on the route's
  // interface (in6_selectsrc).
  In6 src = inp.in6p_laddr;
  const ifnet* ifp = in6_out_ifp(*in6, dst);
  if (!ifp) {
    in6->ip6stat.noroute++;
    return ENETUNREACH;
  }
  if (wire::in6_is_unspecified(src))
    if (int e = in6_selectsrc(*in6, dst, ifp, &src)) return e;
  TcpGlobals& g = tcp_globals(in);
  const bool ephemeral = !inp.inp_lport;
  if (ephemeral) {
    const uint16_t port = tcp_ephemeral_port6(in, src, dst, dport);
    if (!port) return EADDRNOTAVAIL;
    inp.inp_lport = port;
    inp.inp_connect_port = true;
  }
  InPcb* tw = nullptr;
  if (auto c = g.conn6.find(TcpKey6{src, dst, inp.inp_lport, dport}); c != g.conn6.end()) {
    if (!tcp_tw_reusable(in, *c->second, ephemeral)) return EADDRNOTAVAIL;
    tw = c->second;
  }
  inp.inp_vflag = INP_IPV6;
  inp.inp_laddr = 0;
  inp.in6p_laddr = src;
  inp.in6p_faddr = dst;
  inp.inp_fport = dport;
  so.so_state |= SS_ISBOUND;
  tp.iss = TcpSeq(tcp_new_isn6(in, src, inp.inp_lport, dst, dport));
  if (tw) tcp_tw_takeover(tp, *tw);
  tcp_hash_insert(tp);
  tp.t_advmss = tcp_mss_for6(in, dst);
  return tcp_connect_start(so, tp);
}

int tcp_connect(Socket& so, const SockAddr& nam, const Td& td) {
  (void)td;
  InPcb& inp = *sotoinpcb(so);
  TcpCb& tp = *inp.inp_tcpcb;
  if (nam.len >= sizeof(sa_family_t) && nam.family() == AF_UNSPEC) return tcp_disconnect_unspec(so, tp);
  // Linux __inet_stream_connect: a socket not CLOSED (a listener too) is
  // EISCONN before its address is looked at.
  if (tp.t_state != TcpState::CLOSED) return EISCONN;
  if (inp.inp_family == AF_INET6) return tcp6_connect(so, nam);
  uint32_t dst;
  uint16_t dport;
  if (int e = in_getsin(nam, &dst, &dport)) return e;
  return tcp_connect4(so, dst, dport);
}

// getsockname/getpeername/accept's address: an AF_INET6 socket renders
// an IPv4 end as ::ffff:a.b.c.d (Linux inet6_getname; in6_pcbsockaddr).
int tcp_name(const InPcb& inp, bool peer, SockAddr* nam) {
  if (inp.inp_family == AF_INET6) return in6_pcbsockaddr(inp, peer, nam);
  return peer ? in_sockaddr(inp.inp_faddr, inp.inp_fport, nam) : in_sockaddr(inp.inp_laddr, inp.inp_lport, nam);
}

int tcp_accept(Socket& so, SockAddr* nam) { return tcp_name(*sotoinpcb(so), true, nam); }

int tcp_send(Socket& so, int flags, mbuf* m, const SockAddr*, mbuf* control, const Td&) {
  m_freem(control);  // Linux TCP takes no control messages of its own
  TcpCb* tp = sototcpcb(so);
  if (!tp || tp->t_state == TcpState::CLOSED) {
    m_freem(m);
    return EPIPE;
  }
  if (m) {
    const TcpSeq from = tp->snd_una + int64_t(so.so_snd.sb_cc);
    sbappendstream(so.so_snd, m);
    tcp_mark_push(*tp, from, tp->snd_una + int64_t(so.so_snd.sb_cc));  // PSH marks (tcp_output.cpp)
  }
  if (flags & PRUS_OOB) {
    // RFC 6093 §4 / Linux: the urgent pointer names the byte after the last one sent.
    tp->snd_up = tp->snd_una + int64_t(so.so_snd.sb_cc);
    tp->t_flags |= TF_ACKNOW;
  }
  const uint32_t onopush = tp->t_flags & TF_NOPUSH;
  if (flags & PRUS_MORE) tp->t_flags |= TF_NOPUSH;
  tcp_output(*tp);
  tp->t_flags = (tp->t_flags & ~TF_NOPUSH) | onopush;
  if (flags & PRUS_EOF) {
    socantsendmore(so);
    tcp_usrclosed(*tp);
  }
  return 0;
}

// Where the urgent byte stands relative to what the application has read:
// Linux keeps it in the stream (tcp_recvmsg stops there and skips it unless
// SO_OOBINLINE) until a read passes it.
long tcp_oobmark(const Socket& so) {
  const TcpCb* tp = sototcpcb(so);
  if (!tp || !tp->t_urg_state) return -1;
  const int32_t d = tp->t_urg_seq - tcp_copied_seq(*tp);
  return d >= 0 ? d : -1;
}

// recv(MSG_OOB): Linux tcp_recv_urg. EINVAL without an unread urgent byte
// (or with SO_OOBINLINE); EAGAIN while the pointer came but the byte has
// not, whatever the blocking mode.
int tcp_rcvoob(Socket& so, RecvArgs& a, int flags) {
  TcpCb* tp = sototcpcb(so);
  if (!tp || (so.so_options & SOF_OOBINLINE) || tcp_oobmark(so) < 0 || tp->t_urg_state == TCPURG_READ)
    return EINVAL;
  if (tp->t_state == TcpState::CLOSED && !(so.so_rcv.sb_state & SBS_CANTRCVMORE)) return ENOTCONN;
  if (tp->t_urg_state == TCPURG_VALID) {
    if (!(flags & MSG_PEEK)) tp->t_urg_state = TCPURG_READ;
    a.flags |= MSG_OOB;
    if (a.len > 0) {
      if (!(flags & MSG_TRUNC) && a.buf) a.buf[0] = std::byte(tp->t_iobc);
      a.done = a.full = 1;
    } else {
      a.flags |= MSG_TRUNC;
    }
    return 0;
  }
  if (tp->t_state == TcpState::CLOSED || (so.so_rcv.sb_state & SBS_CANTRCVMORE)) return 0;
  return EWOULDBLOCK;
}

int tcp_rcvd(Socket& so, int) {
  if (TcpCb* tp = sototcpcb(so)) {
    if (tcps_have_established(tp->t_state)) tcp_cleanup_rbuf(*tp);  // DRS; an ACK or window update when due
  }
  return 0;
}

int tcp_shutdown(Socket& so) {
  TcpCb* tp = sototcpcb(so);
  if (!tp) return 0;
  switch (tp->t_state) {
    case TcpState::LISTEN: return 0;  // Linux inet_shutdown: SHUT_WR leaves a listener be
    case TcpState::SYN_SENT:
      socantsendmore(so);
      tcp_close(tp, false);
      return 0;
    default:
      socantsendmore(so);
      tcp_usrclosed(*tp);
      return 0;
  }
}

void tcp_flush(Socket& so, int) {
  // Linux inet_shutdown: SHUT_RD aborts a connect in progress, and a
  // listener stops listening (tcp_disconnect: CLOSE, accept EINVAL).
  TcpCb* tp = sototcpcb(so);
  if (tp && tp->t_state == TcpState::LISTEN) tcp_listen_stop(so, *tp);
  else if (tp && tp->t_state == TcpState::SYN_SENT) tcp_close(tp, false);
}

// close(2) or sodisconnect: Linux tcp_close's choices. On a connection
// already over (a failed connect being reported, soconnect_failed): Linux
// tcp_disconnect's inet_reset_saddr, a source address the program did not
// bind goes (the port stays; the next connect picks its own anyway).
int tcp_disconnect(Socket& so) {
  TcpCb* tp = sototcpcb(so);
  if (!tp) return 0;
  if (tp->t_state == TcpState::CLOSED) {
    InPcb& inp = *sotoinpcb(so);
    if (!inp.bindaddr_lock) {
      inp.inp_laddr = 0;
      inp.in6p_laddr = In6{};
    }
    return 0;
  }
  if (tp->t_state < TcpState::ESTABLISHED && tp->t_state != TcpState::SYN_RECEIVED) {
    tcp_close(tp, false);
    return 0;
  }
  const bool unread = so.so_rcv.sb_cc > 0 || so.so_rcv_unread;
  const bool linger0 = (so.so_options & SOF_LINGER) && so.so_linger == 0;
  if (unread || linger0) {
    // Unread data is lost: the peer must know (RFC 2525 §2.17, Linux);
    // SO_LINGER 0 asks for the reset.
    tcp_drop(tp, 0, false, unread ? TcpRstRule::kAbortUnread : TcpRstRule::kAbort);
    return 0;
  }
  if (!(so.so_state & SS_ISDISCONNECTING)) {
    soisdisconnecting(so);
    tcp_usrclosed(*tp);
  }
  if (tp->t_state == TcpState::FIN_WAIT_2) {
    // Linux tcp_close after shutdown(SHUT_WR): FIN-WAIT-2 lasts tcp_fin_time
    // for an orphan, or ends at once with a reset when TCP_LINGER2 < 0.
    if (tp->t_linger2 < 0) tcp_drop(tp, 0, false);
    else tcp_timewait_arm(*tp, tcp_fin_time(*tp));
  }
  return 0;
}

void tcp_abort(Socket& so) {
  if (TcpCb* tp = sototcpcb(so)) {
    if (tp->t_state != TcpState::CLOSED) tcp_drop(tp, ECONNABORTED, false);
    if (so.so_pcb) tcp_discardcb(tp);
  }
}

void tcp_usr_close(Socket& so) {
  TcpCb* tp = sototcpcb(so);
  if (!tp) return;
  switch (tp->t_state) {
    case TcpState::CLOSED: return;
    case TcpState::LISTEN:
    case TcpState::SYN_SENT: tcp_close(tp, false); return;
    default: tcp_disconnect(so); return;
  }
}

int tcp_sockaddr(Socket& so, SockAddr* nam) { return tcp_name(*sotoinpcb(so), false, nam); }

int tcp_peeraddr(Socket& so, SockAddr* nam) { return tcp_name(*sotoinpcb(so), true, nam); }

}  // namespace

PrUsrreqs tcp_usrreqs() {
  PrUsrreqs u{};
  u.pru_attach = tcp_attach;
  u.pru_detach = tcp_detach;
  u.pru_bind = tcp_bind;
  u.pru_listen = tcp_listen;
  u.pru_connect = tcp_connect;
  u.pru_accept = tcp_accept;
  u.pru_send = tcp_send;
  u.pru_rcvd = tcp_rcvd;
  u.pru_shutdown = tcp_shutdown;
  u.pru_flush = tcp_flush;
  u.pru_rcvoob = tcp_rcvoob;
  u.pru_oobmark = tcp_oobmark;
  u.pru_disconnect = tcp_disconnect;
  u.pru_abort = tcp_abort;
  u.pru_close = tcp_usr_close;
  u.pru_sockaddr = tcp_sockaddr;
  u.pru_peeraddr = tcp_peeraddr;
  return u;
}

}  // namespace tunsock
