// TCP support routines: control block life cycle, the connection hash and
// the port table, bare RST/ACK segments (RFC 9293 §3.10.7), ISNs (RFC 6528),
// ephemeral ports (RFC 6056), MSS (RFC 9293 §3.7.1, RFC 6691), for IPv4
// and IPv6 alike (an AF_INET6 socket with a v4-mapped peer is an IPv4 one).
// FreeBSD: netinet/tcp_subr.c, in_pcb.c, in6_pcb.c (the TCP half).
#include <algorithm>
#include <cerrno>

#include "netinet/in_hash.hpp"
#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock {

TcpGlobals& tcp_globals(Inet& in) {
  if (!in.tcp) {
    in.tcp = std::make_shared<TcpGlobals>();
  }
  return *in.tcp;
}

TcpCb* tcp_newtcpcb(Inet& in, InPcb& inp) {
  auto* tp = new TcpCb;
  tp->t_inpcb = &inp;
  tp->t_in = &in;
  inp.inp_tcpcb = tp;
  tcp_timers_init(*tp);
  tp->t_cc = tcp_cc_default();
  tp->t_flags = TF_REQ_SCALE | TF_REQ_TSTMP;
  tp->ts_offset = in.st.rng().next_u32();
  tp->t_hist.start = in.st.now();
  tcp_globals(in).all.insert(tp);
  return tp;
}

void tcp_set_state(TcpCb& tp, TcpState s) {
  tcp_hist_state(tp, tp.t_state, s);
  tp.t_state = s;
}

uint8_t tcp_rscale_for(const Socket& so) {
  // Linux: the shift that lets tcp_rmem[2] be offered, unless SO_RCVBUF
  // fixed the buffer: then its usable half (window_clamp) decides.
  constexpr uint32_t kTcpRmemDefault = 131072;
  const NetSysctl& sys = so.so_stack->sysctl();
  uint32_t space = std::max(sys.tcp_rmem_max, sys.rmem_max);
  if (so.so_rcv.sb_hiwat != kTcpRmemDefault) space = std::max<uint32_t>(so.so_rcv.sb_hiwat / 2, 1);
  if (const TcpCb* tp = sototcpcb(so); tp && tp->t_window_clamp) space = std::min(space, tp->t_window_clamp);
  int log = 0;
  while ((space >> log) > 1) log++;
  return uint8_t(std::clamp(log - 15, 0, kTcpMaxWinshift));
}

void tcp_init_rcv_mss(TcpCb& tp) {
  uint32_t hint = std::min(tp.t_advmss, tp.t_maxseg);
  hint = std::min(hint, tcp_rcv_window(tp) / 2);
  hint = std::min<uint32_t>(hint, kTcpDefaultMss);
  tp.t_rcvmss = std::max<uint32_t>(hint, kTcpMinMss);
}

void tcp_measure_rcv_mss(TcpCb& tp, uint32_t len, uint32_t hdrlen, uint8_t flags) {
  const uint32_t lss = tp.t_last_seg_size;
  tp.t_last_seg_size = 0;
  if (len >= tp.t_rcvmss) {
    tp.t_rcvmss = std::min(len, tp.t_advmss);
    return;
  }
  // A shorter segment counts when it is surely full sized: big enough, or
  // without PSH/FIN/URG (a sender ends a write with PSH); twice in a row.
  constexpr uint8_t kRemnant = tw::TH_FIN | tw::TH_URG | tw::TH_SYN | tw::TH_PUSH;
  const uint32_t whole = len + hdrlen;
  if (whole >= kTcpDefaultMss + 20u || (whole >= kTcpMinMss + 20u && !(flags & kRemnant))) {
    const uint32_t seg = whole - (20 + ((tp.t_flags & TF_RCVD_TSTMP) ? 12 : 0));
    tp.t_last_seg_size = seg;
    if (seg == lss) tp.t_rcvmss = seg;
  }
}

bool tcp_defer_bare_ack(TcpCb& tp, bool has_data) {
  if (has_data || tp.t_synack_retries >= tp.t_defer_accept) return false;
  tp.t_defer_acked = true;
  return true;
}

SynackTimeout tcp_synack_timeout(TcpCb& tp) {
  const int n = tp.t_synack_retries++;
  const int max = tp.t_syn_retries ? tp.t_syn_retries : kTcpSynackRetries;
  if (!tp.t_defer_accept) return n >= max ? SynackTimeout::kExpire : SynackTimeout::kResend;
  if (n >= max && (!tp.t_defer_acked || n >= tp.t_defer_accept)) return SynackTimeout::kExpire;
  // The last period of the deferral sends the SYN-ACK again: the peer's
  // ACK to it then makes the connection, data or not.
  return !tp.t_defer_acked || n >= tp.t_defer_accept - 1 ? SynackTimeout::kResend : SynackTimeout::kWait;
}

Time tcp_fin_time(const TcpCb& tp) {
  const Time t = tp.t_linger2 > 0 ? std::chrono::seconds(tp.t_linger2) : kTcpFinTimeout;
  const Time rto = tcp_rto_backoff(tp);
  return std::max(t, 4 * rto - rto / 2);
}

void tcp_discardcb(TcpCb* tp) {
  InPcb* inp = tp->t_inpcb;
  tcp_timers_stop(*tp);
  tcp_reass_flush(*tp);
  tcp_hash_remove(*inp);
  if (tp->t_cc && tp->t_cc->cc_destroy) tp->t_cc->cc_destroy(*tp);
  tcp_globals(*tp->t_in).all.erase(tp);
  if (Socket* so = inp->inp_socket) so->so_pcb = nullptr;
  delete tp;
  delete inp;
}

void tcp_close(TcpCb* tp, bool from_protocol) {
  Socket* so = tp_socket(*tp);
  TcpGlobals& g = tcp_globals(*tp->t_in);
  g.stat.closed++;
  tcp_set_state(*tp, TcpState::CLOSED);
  tcp_timers_stop(*tp);
  tcp_reass_flush(*tp);
  tcp_hash_remove(*tp->t_inpcb);
  soisdisconnected(*so);
  // An orphan goes now; a socket that a descriptor (or the accept queue)
  // still names keeps its CLOSED control block until it is closed (Linux:
  // accept returns a connection reset while queued).
  const bool queued_comp = so->so_head && so->so_onqueue_comp;
  if ((so->so_state & SS_NOFDREF) && !queued_comp) {
    tcp_discardcb(tp);
    if (from_protocol) sofree(*so);
  }
}

void tcp_drop(TcpCb* tp, int err, bool from_protocol, TcpRstRule rule) {
  Socket* so = tp_socket(*tp);
  TcpGlobals& g = tcp_globals(*tp->t_in);
  if (tcps_have_rcvd_syn(tp->t_state)) {
    tcp_hist_rst(*tp, rule, tp->snd_nxt.v, tp->rcv_nxt.v);
    tcp_respond(*tp, tp->snd_nxt, tp->rcv_nxt, tw::TH_RST | tw::TH_ACK);
    g.stat.drops++;
  } else {
    g.stat.conndrops++;
  }
  if (err == ETIMEDOUT && tp->t_softerror) err = tp->t_softerror;
  if (err) so->so_error = err;
  tcp_close(tp, from_protocol);
}

InConnInfo tcp_inc(const InPcb& inp) {
  InConnInfo c;
  c.inc_isipv6 = tcp_isipv6(inp);
  c.inc_laddr = inp.inp_laddr;
  c.inc_faddr = inp.inp_faddr;
  c.inc6_laddr = inp.in6p_laddr;
  c.inc6_faddr = inp.in6p_faddr;
  c.inc_lport = inp.inp_lport;
  c.inc_fport = inp.inp_fport;
  return c;
}

namespace {

// Where inp sits in the connection hashes, if anywhere: IPv6 connections
// in conn6, every other one with a foreign address in conn.
bool in_conn6(const InPcb& inp) { return tcp_isipv6(inp) && !wire::in6_is_unspecified(inp.in6p_faddr); }
TcpKey key4(const InPcb& inp) { return TcpKey{inp.inp_laddr, inp.inp_faddr, inp.inp_lport, inp.inp_fport}; }
TcpKey6 key6(const InPcb& inp) { return TcpKey6{inp.in6p_laddr, inp.in6p_faddr, inp.inp_lport, inp.inp_fport}; }

bool is_listener(const InPcb* inp) { return inp->inp_tcpcb && inp->inp_tcpcb->t_state == TcpState::LISTEN; }

}  // namespace

void tcp_hash_insert(TcpCb& tp) {
  InPcb& inp = *tp.t_inpcb;
  TcpGlobals& g = tcp_globals(*tp.t_in);
  tcp_hash_remove(inp);
  if (inp.inp_lport) g.ports.emplace(inp.inp_lport, &inp);
  if (in_conn6(inp)) g.conn6[key6(inp)] = &inp;
  else if (inp.inp_faddr) g.conn[key4(inp)] = &inp;
}

void tcp_hash_remove(InPcb& inp) {
  if (!inp.inp_tcpcb) return;
  TcpGlobals& g = tcp_globals(*inp.inp_tcpcb->t_in);
  auto [lo, hi] = g.ports.equal_range(inp.inp_lport);
  for (auto it = lo; it != hi; ++it)
    if (it->second == &inp) {
      g.ports.erase(it);
      break;
    }
  if (in_conn6(inp)) {
    auto c = g.conn6.find(key6(inp));
    if (c != g.conn6.end() && c->second == &inp) g.conn6.erase(c);
    return;
  }
  auto c = g.conn.find(key4(inp));
  if (c != g.conn.end() && c->second == &inp) g.conn.erase(c);
}

InPcb* tcp_lookup(Inet& in, uint32_t faddr, uint16_t fport, uint32_t laddr, uint16_t lport, bool wildcard) {
  TcpGlobals& g = tcp_globals(in);
  if (auto c = g.conn.find(TcpKey{laddr, faddr, lport, fport}); c != g.conn.end()) return c->second;
  if (!wildcard) return nullptr;
  // Listeners taking IPv4: one bound to the address (an AF_INET6 one on
  // ::ffff:laddr too), then AF_INET ones on INADDR_ANY, then AF_INET6 ones
  // on :: without IPV6_V6ONLY (Linux compute_score: the family's point);
  // an SO_REUSEPORT group spreads flows by the 4-tuple's hash.
  InPcb* cand[3][8];
  int n[3] = {0, 0, 0};
  auto [lo, hi] = g.ports.equal_range(lport);
  for (auto it = lo; it != hi; ++it) {
    InPcb* inp = it->second;
    if (!is_listener(inp) || !(inp->inp_vflag & INP_IPV4)) continue;
    int cls = inp->inp_laddr == laddr ? 0 : inp->inp_laddr != 0 ? -1 : inp->inp_family == AF_INET ? 1 : 2;
    if (cls >= 0 && n[cls] < 8) cand[cls][n[cls]++] = inp;
  }
  for (int cls = 0; cls < 3; ++cls) {
    if (!n[cls]) continue;
    if (n[cls] == 1) return cand[cls][0];
    return cand[cls][TcpKeyHash{}(TcpKey{laddr, faddr, lport, fport}) % size_t(n[cls])];
  }
  return nullptr;
}

InPcb* tcp_lookup6(Inet& in, const In6& faddr, uint16_t fport, const In6& laddr, uint16_t lport, bool wildcard) {
  TcpGlobals& g = tcp_globals(in);
  if (auto c = g.conn6.find(TcpKey6{laddr, faddr, lport, fport}); c != g.conn6.end()) return c->second;
  if (!wildcard) return nullptr;
  // Listeners taking IPv6: bound to the address, then to ::.
  InPcb* cand[2][8];
  int n[2] = {0, 0};
  auto [lo, hi] = g.ports.equal_range(lport);
  for (auto it = lo; it != hi; ++it) {
    InPcb* inp = it->second;
    if (!is_listener(inp) || !(inp->inp_vflag & INP_IPV6)) continue;
    int cls = inp->in6p_laddr == laddr ? 0 : wire::in6_is_unspecified(inp->in6p_laddr) ? 1 : -1;
    if (cls >= 0 && n[cls] < 8) cand[cls][n[cls]++] = inp;
  }
  for (int cls = 0; cls < 2; ++cls) {
    if (!n[cls]) continue;
    if (n[cls] == 1) return cand[cls][0];
    return cand[cls][TcpKey6Hash{}(TcpKey6{laddr, faddr, lport, fport}) % size_t(n[cls])];
  }
  return nullptr;
}

namespace {

// Whether two bindings of a port overlap (Linux 6.x inet_bhash2_conflict,
// inet_rcv_saddr_equal with both wildcards matching): in either family both
// take it, and one is the wildcard or both the same address. A socket
// takes IPv4 with INP_IPV4 (AF_INET, a v4-mapped address, :: without
// V6ONLY) and IPv6 with INP_IPV6 (an IPv6 address, ::). Measured on Linux
// 6.18: 0.0.0.0 and :: (dual) conflict, 0.0.0.0 and :: V6ONLY do not, nor
// 0.0.0.0 and 2001:db8::1; ::ffff:0.0.0.0 is 0.0.0.0.
bool addrs_overlap(uint8_t vflag, uint32_t laddr, const In6& laddr6, const InPcb& o) {
  if ((vflag & INP_IPV4) && (o.inp_vflag & INP_IPV4) && (!laddr || !o.inp_laddr || laddr == o.inp_laddr))
    return true;
  return (vflag & INP_IPV6) && (o.inp_vflag & INP_IPV6) &&
         (wire::in6_is_unspecified(laddr6) || wire::in6_is_unspecified(o.in6p_laddr) || laddr6 == o.in6p_laddr);
}

}  // namespace

bool tcp_port_conflict(Inet& in, const InPcb& inp, uint8_t vflag, uint32_t laddr, const In6& laddr6, uint16_t port,
                       bool listening) {
  (void)listening;  // Linux: a listener conflicts through its own state, seen by the others
  TcpGlobals& g = tcp_globals(in);
  const Socket& so = *inp.inp_socket;
  auto [lo, hi] = g.ports.equal_range(port);
  for (auto it = lo; it != hi; ++it) {
    const InPcb* o = it->second;
    if (o == &inp || !o->inp_tcpcb) continue;
    if (!addrs_overlap(vflag, laddr, laddr6, *o)) continue;
    const Socket& os = *o->inp_socket;
    const TcpState st = o->inp_tcpcb->t_state;
    // Linux inet_csk_bind_conflict: SO_REUSEADDR on both passes unless one
    // listens; a port held in TIME_WAIT yields to SO_REUSEADDR; SO_REUSEPORT
    // on both passes for the same user.
    // A TIME-WAIT entry keeps the options of the socket that closed, so
    // SO_REUSEADDR must have been on both; SO_REUSEPORT ignores its user.
    const bool reuse = so.so_options & SOF_REUSEADDR;
    if (reuse && (os.so_options & SOF_REUSEADDR) && st != TcpState::LISTEN) continue;
    if ((so.so_options & SOF_REUSEPORT) && (os.so_options & SOF_REUSEPORT) &&
        (o->reuse_uid == so.so_cred.uid || st == TcpState::TIME_WAIT))
      continue;
    return true;
  }
  return false;
}

// RFC 6528 and RFC 6056 Algorithm 4 live in in_hash.cpp (SipHash keyed from
// the Stack's Rng); TCP says which ports it can take for the 4-tuple.
uint32_t tcp_new_isn(Inet& in, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport) {
  return in_isn(in, laddr, lport, faddr, fport);
}

uint32_t tcp_new_isn6(Inet& in, const In6& laddr, uint16_t lport, const In6& faddr, uint16_t fport) {
  return in6_isn(in, laddr, lport, faddr, fport);
}

bool tcp_tw_reusable(Inet& in, const InPcb& tw, bool ephemeral) {
  const TcpCb* t = tw.inp_tcpcb;
  if (!t || t->t_state != TcpState::TIME_WAIT) return false;
  // Linux tcp_twsk_unique: only with timestamps (PAWS keeps the old
  // segments out, RFC 7323 §5); a port the program bound itself always,
  // an ephemeral one only as tcp_tw_reuse says (2: loopback only), a
  // second after TIME-WAIT began (tcp_tw_reuse_delay).
  if (!(t->t_flags & TF_RCVD_TSTMP)) return false;
  if (!ephemeral) return true;
  int reuse = in.st.sysctl().tcp_tw_reuse;
  const bool loopback = tcp_isipv6(tw) ? wire::in6_is_loopback(tw.in6p_laddr) || wire::in6_is_loopback(tw.in6p_faddr)
                                       : (tw.inp_laddr >> 24) == 127 || (tw.inp_faddr >> 24) == 127;
  if (reuse == 2 && !loopback) reuse = 0;
  if (!reuse || !t->t_2msl.armed()) return false;
  return in.st.now() >= t->t_2msl.when() - kTcpTimeWait + kTcpTwReuseDelay;
}

void tcp_tw_takeover(TcpCb& tp, InPcb& tw) {
  TcpCb& old = *tw.inp_tcpcb;
  // Far beyond anything the old connection sent: its duplicates cannot
  // land in the new one's window.
  uint32_t seq = (old.snd_nxt + 65535 + 2).v;
  tp.iss = TcpSeq(seq ? seq : 1);
  tp.ts_recent = old.ts_recent;
  tp.ts_recent_age = old.ts_recent_age;
  tcp_globals(*tp.t_in).stat.timewait_reuse++;
  tcp_close(&old);
}

namespace {

// Linux __inet_hash_connect: a port whose users are all connect()s to
// other 4-tuples, or hold this one only in a TIME-WAIT it may take over.
bool port_shared_by_connects(Inet& in, uint16_t p) {
  auto [lo, hi] = tcp_globals(in).ports.equal_range(p);
  for (auto it = lo; it != hi; ++it)
    if (!it->second->inp_connect_port) return false;
  return true;
}

}  // namespace

uint16_t tcp_ephemeral_port(Inet& in, uint32_t laddr, uint32_t faddr, uint16_t fport) {
  TcpGlobals& g = tcp_globals(in);
  return in_ephemeral_port(in, laddr, faddr, fport, [&](uint16_t p) {
    if (auto c = g.conn.find(TcpKey{laddr, faddr, p, fport}); c != g.conn.end() && !tcp_tw_reusable(in, *c->second, true))
      return false;
    return port_shared_by_connects(in, p);
  });
}

uint16_t tcp_ephemeral_port6(Inet& in, const In6& laddr, const In6& faddr, uint16_t fport) {
  TcpGlobals& g = tcp_globals(in);
  return in6_ephemeral_port(in, laddr, faddr, fport, [&](uint16_t p) {
    if (auto c = g.conn6.find(TcpKey6{laddr, faddr, p, fport});
        c != g.conn6.end() && !tcp_tw_reusable(in, *c->second, true))
      return false;
    return port_shared_by_connects(in, p);
  });
}

uint32_t tcp_mss_for(Inet& in, uint32_t faddr) {
  // The route's interface MTU (Linux advmss: the device's, not the path's).
  uint32_t mtu = rt_mtu(in, faddr);
  if (!mtu) mtu = 1500;
  // RFC 9293 §3.7.1: the MTU less the fixed IP and TCP headers; Linux caps
  // it at 65535 - 40.
  return std::min<uint32_t>(mtu - 40, 65495);
}

uint32_t tcp_mss_for6(Inet& in, const In6& faddr) {
  // The interface the route leaves by (loopback for our own addresses).
  uint32_t mtu = 1500;
  if (Inet6* in6 = inet6_of(in.st))
    if (const ifnet* ifp = in6_out_ifp(*in6, faddr)) mtu = ifp->if_mtu;
  // RFC 9293 §3.7.1: less the 40-byte IPv6 and 20-byte TCP headers. Linux
  // ip6_default_advmss: at least ip6_rt_min_advmss (1280 - 60); above
  // IPV6_MAXPLEN - 20 it says 65535 ("rely on path MTU discovery"). On a
  // 65536-byte loopback that is 65476, as Linux's TCP_INFO shows.
  const uint32_t mss = std::max<uint32_t>(mtu > 60 ? mtu - 60 : 0, kTcp6DefaultMss);
  return mss > 65535 - 20 ? 65535 : mss;
}

uint32_t tcp_path_mtu(const TcpCb& tp) {
  const InPcb& inp = *tp.t_inpcb;
  if (!tcp_isipv6(inp)) return ip_pmtu(*tp.t_in, inp.inp_faddr);
  const Inet6* in6 = inet6_of(tp.t_in->st);
  return in6 ? ip6_pmtu(*in6, inp.in6p_faddr) : 0;
}

namespace {

// Linux tcp_bound_to_half_wnd, applied by every tcp_sync_mss: a segment
// is at most half the largest window the peer offered (all of it when that
// window is below the default MSS), but not below 68 bytes of IP datagram
// less the TCP header. With a window of 64 KB over a 64 KB MTU (loopback)
// TCP_MAXSEG reads half the window; at the usual 1500 bytes it never
// bites unless the peer's window is tiny.
uint32_t bound_to_half_wnd(const TcpCb& tp, uint32_t mss) {
  const uint32_t cutoff = tcp_half_wnd_cutoff(tp);
  if (cutoff && mss > cutoff) {
    const uint32_t hdr = (tp.t_flags & TF_RCVD_TSTMP) ? 32 : 20;  // Linux tcp_header_len
    return std::max(cutoff, 68 - hdr);
  }
  return mss;
}

}  // namespace

void tcp_mss_update(TcpCb& tp, uint32_t peer_mss) {
  const InPcb& inp = *tp.t_inpcb;
  const uint32_t hdrs = tcp_hdrs_len(inp);
  tp.t_peermss = peer_mss;
  uint32_t adv = tp.t_advmss;
  if (!adv) adv = tcp_isipv6(inp) ? tcp_mss_for6(*tp.t_in, inp.in6p_faddr) : tcp_mss_for(*tp.t_in, inp.inp_faddr);
  uint32_t mss = std::min(peer_mss, adv);
  if (tp.t_pmtu) mss = std::min(mss, tp.t_pmtu - hdrs);
  // Linux tcp_sync_mss(dst_mtu): the path MTU ICMP taught for this destination.
  if (uint32_t pmtu = tcp_path_mtu(tp)) mss = std::min(mss, pmtu - hdrs);
  if (tp.t_user_maxseg) mss = std::min(mss, tp.t_user_maxseg);
  // Linux mss_cache: the data a full segment carries, options excluded.
  if (tp.t_flags & TF_RCVD_TSTMP) mss -= 12;
  tp.t_pathmss = std::max<uint32_t>(mss, 64);
  tp.t_maxseg = bound_to_half_wnd(tp, tp.t_pathmss);
}

void tcp_max_sndwnd_update(TcpCb& tp, uint32_t wnd) {
  if (wnd <= tp.max_sndwnd) return;
  tp.max_sndwnd = wnd;
  if (tp.t_pathmss) tp.t_maxseg = bound_to_half_wnd(tp, tp.t_pathmss);
}

uint32_t tcp_ts_now(const TcpCb& tp) {
  return uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(tp.t_in->st.now()).count()) + tp.ts_offset;
}

void tcp_respond(Inet& in, TcpCb* tp, const InConnInfo& inc, TcpSeq seq, TcpSeq ack, uint8_t flags) {
  tw::TcpRepr r;
  r.sport = inc.inc_lport;
  r.dport = inc.inc_fport;
  r.seq = seq.v;
  r.ack = (flags & tw::TH_ACK) ? ack.v : 0;
  r.flags = flags;
  IpOutOpts o;
  o.df = true;
  Ip6OutOpts o6;
  if (tp) {
    r.win = uint16_t(std::min<uint32_t>(tcp_rcv_window(*tp) >> tp->rcv_scale, 65535));
    // RFC 7323 §3.2: once negotiated, every segment but a RST carries TS.
    if ((tp->t_flags & TF_RCVD_TSTMP) && !(flags & tw::TH_RST)) {
      r.opts.has_ts = true;
      r.opts.ts_val = tcp_ts_now(*tp);
      r.opts.ts_ecr = tp->ts_recent;
    }
    const InPcb& inp = *tp->t_inpcb;
    o.ttl = uint8_t(inp.inp_ttl < 0 ? 64 : inp.inp_ttl);
    o.tos = inp.inp_tos;
    o6.hlim = inp.in6p.hlim;
    o6.tclass = uint8_t(inp.in6p.tclass);
    tp->t_segs_out++;
  }
  TcpGlobals& g = tcp_globals(in);
  g.stat.sndtotal++;
  if (flags & tw::TH_RST) g.stat.sndrst++;
  else g.stat.sndacks++;
  if (inc.inc_isipv6) tcp_emit_ip6(in, r, nullptr, 0, inc.inc6_laddr, inc.inc6_faddr, o6);
  else tcp_emit_ip(in, r, nullptr, 0, inc.inc_laddr, inc.inc_faddr, o);
}

}  // namespace tunsock
