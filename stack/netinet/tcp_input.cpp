// TCP input: validation, the demultiplexer, and one handler per state in the
// order of RFC 9293 §3.10.7 (CLOSED, LISTEN, SYN-SENT, then the synchronized
// states: sequence check, RST with RFC 5961 challenge ACKs, SYN, ACK, URG,
// text, FIN). ACK processing, fast retransmit and NewReno recovery (RFC 5681
// §3.2, RFC 6582) are in tcp_ack.cpp; ICMP errors (tcp_ctlinput) at the end.
// One core for both families: tcp_input (IPv4) and tcp6_input (IPv6, RFC
// 8200 §8.1 checksum) validate, look up and hand the segment to it.
// FreeBSD: netinet/tcp_input.c (tcp_input, tcp6_input); Linux where a
// program can see the difference (tcp_v6_rcv, tcp_v6_err).
#include <algorithm>
#include <cerrno>
#include <optional>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_input.hpp"

namespace tunsock {

namespace {

TcpStat& stat_of(Inet& in) { return tcp_globals(in).stat; }

// RFC 9293 §3.10.7.1: the reset that answers a segment nobody owns; with
// tp, the connection (or listener) whose history says which rule sent it.
// A destination nobody answers: broadcast or multicast (RFC 1122 §4.2.3.10).
bool seg_to_group(Inet& in, const TcpSegIn& s) {
  if (s.v6) return wire::in6_is_multicast(s.dst6);
  return in_broadcast(in, s.dst) || (s.dst >> 28) == 0xe;
}

InPcb* seg_lookup(Inet& in, const TcpSegIn& s, bool wildcard) {
  if (s.v6) return tcp_lookup6(in, s.src6, s.th.sport, s.dst6, s.th.dport, wildcard);
  return tcp_lookup(in, s.src, s.th.sport, s.dst, s.th.dport, wildcard);
}

void dropwithreset(Inet& in, const TcpSegIn& s, TcpCb* tp = nullptr, TcpRstRule rule = TcpRstRule::kListenAck) {
  if (s.flags & tw::TH_RST) return;
  if (seg_to_group(in, s)) return;
  const TcpSeq seq = (s.flags & tw::TH_ACK) ? s.ack : TcpSeq(0);
  const TcpSeq ack = (s.flags & tw::TH_ACK) ? TcpSeq(0) : s.seq + s.seglen();
  if (tp) tcp_hist_rst(*tp, rule, seq.v, ack.v);
  tcp_respond(in, nullptr, s.inc(), seq, ack, (s.flags & tw::TH_ACK) ? tw::TH_RST : tw::TH_RST | tw::TH_ACK);
}

// The options of a SYN or SYN-ACK (RFC 9293 §3.7.1, RFC 7323 §2-3, RFC 2018 §2).
void dooptions_syn(TcpCb& tp, const TcpSegIn& s) {
  const tw::TcpOptions& o = s.th.opts;
  if (o.wscale && (tp.t_flags & TF_REQ_SCALE)) {
    tp.t_flags |= TF_RCVD_SCALE;
    tp.snd_scale = std::min<uint8_t>(*o.wscale, kTcpMaxWinshift);  // RFC 7323 §2.3: log and use 14
    tp.rcv_scale = tp.request_r_scale;
  } else {
    tp.t_flags &= ~TF_REQ_SCALE;
    tp.snd_scale = tp.rcv_scale = 0;
  }
  if (o.has_ts && (tp.t_flags & TF_REQ_TSTMP)) {
    tp.t_flags |= TF_RCVD_TSTMP;
    tp.ts_recent = o.ts_val;
    tp.ts_recent_age = tp.t_in->st.now();
  } else {
    tp.t_flags &= ~TF_REQ_TSTMP;
  }
  if (o.sack_permitted) tp.t_flags |= TF_SACK_PERMIT;
  // A SYN-ACK's window (unscaled, RFC 7323 §2.2) is Linux's max_window
  // before its first tcp_sync_mss, so the MSS the initial window is counted
  // in is already bounded by half of it. (A passive open's max_window is
  // the handshake's last ACK's, set in established(): the initial window
  // counted here keeps the unbounded MSS when that ACK's window is below
  // two of them.)
  if (s.flags & tw::TH_ACK) tcp_max_sndwnd_update(tp, s.th.win);
  tcp_mss_update(tp, o.mss ? *o.mss : tcp_isipv6(*tp.t_inpcb) ? kTcp6DefaultMss : kTcpDefaultMss);
  tcp_init_rcv_mss(tp);
  tp.t_cc->cc_init(tp);
  tcp_hist_cwnd(tp, TcpCwndReason::kInit);
}

// wnd: the peer's window in s (unscaled in a SYN, RFC 7323 §2.2).
void established(TcpCb& tp, const TcpSegIn& s, uint32_t wnd) {
  tcp_set_state(tp, TcpState::ESTABLISHED);
  tp.t_bytes_acked_total++;  // our SYN (Linux tcp_snd_una_update counts it)
  tp.snd_wnd = wnd;
  tcp_max_sndwnd_update(tp, tp.snd_wnd);
  tp.snd_wl1 = s.seq;
  tp.snd_wl2 = s.ack;
  tcp_keep_arm(tp);
  tcp_init_buffer_space(tp);
  tcp_globals(*tp.t_in).stat.connects++;
  soisconnected(*tp_socket(tp));
}

// LISTEN (RFC 9293 §3.10.7.2): a SYN makes an embryonic connection on
// so_incomp (the chapter's sonewconn) in SYN-RECEIVED.
void input_listen(Inet& in, TcpCb& lp, TcpSegIn& s) {
  TcpStat& st = stat_of(in);
  if (s.flags & tw::TH_RST) {  // §3.10.7.2: a reset to a listener is ignored
    st.listen_badseg++;
    return;
  }
  if (s.flags & tw::TH_ACK) return dropwithreset(in, s, &lp, TcpRstRule::kListenAck);
  if (!(s.flags & tw::TH_SYN) || seg_to_group(in, s) || (!s.v6 && in_broadcast(in, s.src))) {
    st.listen_badseg++;
    return;
  }
  Socket& head = *tp_socket(lp);
  // Linux tcp_conn_request: a full accept queue drops the SYN (the peer retries).
  if (head.so_qlen > head.so_qlimit) {
    st.listen_overflows++;
    head.so_stack->sostat().listen_overflows++;
    return;
  }
  Socket* so = sonewconn(head, 0);
  if (!so) {
    st.listen_overflows++;
    return;
  }
  InPcb& inp = *sotoinpcb(*so);
  TcpCb& tp = *inp.inp_tcpcb;
  const InPcb& linp = *lp.t_inpcb;
  // The connection speaks the segment's family, whatever the listener's
  // (an AF_INET6 one on :: takes IPv4 too: the accepted socket is AF_INET6
  // with INP_IPV4, its peer rendered ::ffff:a.b.c.d).
  inp.inp_vflag = s.v6 ? INP_IPV6 : INP_IPV4;
  inp.inp_laddr = s.dst;
  inp.in6p_laddr = s.dst6;
  inp.inp_lport = s.th.dport;
  inp.inp_faddr = s.src;
  inp.in6p_faddr = s.src6;
  inp.inp_fport = s.th.sport;
  inp.inp_ttl = linp.inp_ttl;
  inp.inp_tos = linp.inp_tos;
  inp.in6p.v6only = linp.in6p.v6only;
  inp.in6p.hlim = linp.in6p.hlim;
  inp.in6p.tclass = linp.in6p.tclass;
  inp.in6p.mtu_discover = linp.in6p.mtu_discover;
  inp.in6p.recverr = linp.in6p.recverr;
  tp.t_flags |= lp.t_flags & (TF_NODELAY | TF_NOPUSH);
  tp.t_keepidle = lp.t_keepidle;
  tp.t_keepintvl = lp.t_keepintvl;
  tp.t_keepcnt = lp.t_keepcnt;
  tp.t_user_timeout_ms = lp.t_user_timeout_ms;
  tp.t_user_maxseg = lp.t_user_maxseg;
  tp.t_defer_accept = lp.t_defer_accept;
  tp.t_syn_retries = lp.t_syn_retries;  // Linux: the listener's TCP_SYNCNT bounds SYN-ACK retries
  tp.t_cc = lp.t_cc;
  tcp_hash_insert(tp);
  tp.t_advmss = s.v6 ? tcp_mss_for6(in, s.src6) : tcp_mss_for(in, s.src);
  if (tp.t_user_maxseg) tp.t_advmss = std::min(tp.t_advmss, tp.t_user_maxseg);
  tp.request_r_scale = tcp_rscale_for(*so);
  tp.irs = s.seq;
  tp.rcv_nxt = tp.rcv_adv = tp.rcv_up = s.seq + 1;
  tp.iss = TcpSeq(s.v6 ? tcp_new_isn6(in, s.dst6, s.th.dport, s.src6, s.th.sport)
                       : tcp_new_isn(in, s.dst, s.th.dport, s.src, s.th.sport));
  tp.snd_una = tp.snd_nxt = tp.snd_max = tp.snd_up = tp.snd_recover = tp.iss;
  tp.t_rcvtime = in.st.now();
  dooptions_syn(tp, s);
  tp.snd_wnd = s.th.win;  // RFC 7323 §2.2: the window of a SYN is not scaled
  tcp_set_state(tp, TcpState::SYN_RECEIVED);
  st.accepts++;
  // DEVIATION: data on the SYN is not queued (no TCP Fast Open); the peer
  // sends it again once the SYN-ACK acknowledges only the SYN.
  tcp_output(tp);
}

// SYN-SENT (RFC 9293 §3.10.7.3).
void input_syn_sent(Inet& in, TcpCb& tp, TcpSegIn& s) {
  if (s.flags & tw::TH_ACK) {
    if (s.ack <= tp.iss || s.ack > tp.snd_max) {
      // Linux: "a previous FIN/ACK or RST/ACK might be ignored": the SYN
      // goes again almost at once (TCP_TIMEOUT_MIN) if not yet retransmitted.
      if (tp.t_rxtshift == 0) tcp_timer_arm(tp, tp.t_rexmt, in.st.now() + std::chrono::milliseconds(2));
      if (s.flags & tw::TH_RST) tcp_hist_rst(tp, TcpRstRule::kRcvdIgnored, s.seq.v, s.ack.v);
      return dropwithreset(in, s, &tp, TcpRstRule::kSynSentBadAck);
    }
  }
  if (s.flags & tw::TH_RST) {
    tcp_hist_rst(tp, (s.flags & tw::TH_ACK) ? TcpRstRule::kRcvdSynSent : TcpRstRule::kRcvdIgnored, s.seq.v, s.ack.v);
    if (s.flags & tw::TH_ACK) {
      tp_socket(tp)->so_error = ECONNREFUSED;
      tcp_close(&tp);
    }
    return;
  }
  if (!(s.flags & tw::TH_SYN)) {  // §3.10.7.3 fifth: neither SYN nor RST
    stat_of(in).synsent_nosyn++;
    return;
  }
  tp.irs = s.seq;
  tp.rcv_nxt = tp.rcv_adv = tp.rcv_up = s.seq + 1;
  dooptions_syn(tp, s);
  if (s.flags & tw::TH_ACK) {
    if (tp.t_rtttime > Time{0}) tcp_rtt_sample(tp, in.st.now() - tp.t_rtttime);
    tp.t_rtttime = Time{0};
    tp.snd_una = s.ack;
    tcp_timer_stop(tp, tp.t_rexmt);
    tp.t_rxtshift = 0;
    tp.t_rxt_first = Time{0};
    established(tp, s, s.th.win);
    tp.t_flags |= TF_ACKNOW;
    tcp_output(tp);  // the ACK of the SYN, and any data already queued
    return;
  }
  // Simultaneous open (RFC 9293 §3.5, Figure 8): SYN-RECEIVED, send SYN,ACK.
  tcp_set_state(tp, TcpState::SYN_RECEIVED);
  tp.snd_wnd = s.th.win;
  tp.snd_nxt = tp.iss;
  tcp_output(tp);
}

// Sequence acceptability (RFC 9293 §3.10.7.4 first) with PAWS (RFC 7323 §5.3).
// Returns false when the segment is done with (an ACK may be owed).
bool check_sequence(Inet& in, TcpCb& tp, TcpSegIn& s) {
  TcpStat& st = stat_of(in);
  const tw::TcpOptions& o = s.th.opts;
  if ((tp.t_flags & TF_RCVD_TSTMP) && o.has_ts && !(s.flags & tw::TH_RST) && tp.ts_recent &&
      int32_t(o.ts_val - tp.ts_recent) < 0 && in.st.now() - tp.ts_recent_age < std::chrono::hours(24 * 24)) {
    st.pawsdrop++;
    tp.t_flags |= TF_ACKNOW;
    return false;
  }
  const int32_t wnd = std::max<int32_t>(tp.rcv_adv - tp.rcv_nxt, int32_t(tcp_rcv_window(tp) ? 1 : 0));
  const int seglen = s.seglen();
  bool ok;
  if (seglen == 0) ok = wnd == 0 ? s.seq == tp.rcv_nxt : (tp.rcv_nxt <= s.seq && s.seq < tp.rcv_nxt + wnd);
  else if (wnd == 0) ok = false;
  else
    ok = (tp.rcv_nxt <= s.seq && s.seq < tp.rcv_nxt + wnd) ||
         (tp.rcv_nxt <= s.seq + seglen - 1 && s.seq + seglen - 1 < tp.rcv_nxt + wnd);
  // A zero-window probe or a keepalive (SEQ = RCV.NXT - 1) is answered.
  if (!ok) {
    if (s.flags & tw::TH_RST) tcp_hist_rst(tp, TcpRstRule::kRcvdOutOfWindow, s.seq.v, s.ack.v);
    // Linux tcp_send_dupack: a D-SACK for what came twice (TIME-WAIT's minisock sends a bare ACK).
    if (seglen > 0 && s.seq < tp.rcv_nxt && tp.t_state != TcpState::TIME_WAIT)
      tcp_dsack_set(tp, s.seq, seq_min(s.seq + seglen, tp.rcv_nxt));
    if (seglen > 0 && s.seq + seglen <= tp.rcv_nxt) {
      st.rcvduppack++;
      st.rcvdupbyte += uint64_t(s.len);
    } else if (seglen > 0 && wnd == 0 && s.seq == tp.rcv_nxt) {
      st.rcvwinprobe++;
    } else {
      st.rcvpackafterwin++;
    }
    // Linux tcp_oow_rate_limited: an ACK for an out-of-window segment
    // without data at most every 500 ms, so two ends cannot loop on ACKs.
    const bool oow_limited = seglen == 0 && tp.t_last_oow_ack > Time{0} &&
                             in.st.now() - tp.t_last_oow_ack < std::chrono::milliseconds(500);
    if (!(s.flags & tw::TH_RST) && !oow_limited) {
      tp.t_flags |= TF_ACKNOW;
      if (seglen == 0) tp.t_last_oow_ack = in.st.now();
    }
    return false;
  }
  // Trim what we already have off the front, what is beyond the window off the end.
  if (int32_t dup = tp.rcv_nxt - s.seq; dup > 0) {
    if (s.flags & tw::TH_SYN) {
      s.flags &= ~tw::TH_SYN;
      s.seq += 1;
      dup--;
    }
    dup = std::min(dup, s.len);
    if (dup > 0) {
      tcp_dsack_set(tp, s.seq, s.seq + dup);  // RFC 2883 §4.1.2 (Linux tcp_data_queue, partial packet)
      st.rcvpartduppack++;
      m_adj(s.m, dup);
      s.seq += dup;
      s.len -= dup;
    }
  }
  if (int32_t over = (s.seq + s.len) - (tp.rcv_nxt + wnd); over > 0 && s.len > 0) {
    over = std::min(over, s.len);
    m_adj(s.m, -over);
    s.len -= over;
    s.flags &= ~tw::TH_FIN;
  }
  // RFC 7323 §4.3: TS.Recent from the segment that covers Last.ACK.sent.
  if (o.has_ts && (tp.t_flags & TF_RCVD_TSTMP) && s.seq <= tp.last_ack_sent &&
      int32_t(o.ts_val - tp.ts_recent) >= 0) {
    tp.ts_recent = o.ts_val;
    tp.ts_recent_age = in.st.now();
  }
  return true;
}

// RST in a synchronized state (RFC 9293 §3.10.7.4 second, RFC 5961 §3.2).
void input_rst(Inet& in, TcpCb& tp, const TcpSegIn& s) {
  TcpStat& st = stat_of(in);
  tcp_hist_rst(tp, s.seq != tp.rcv_nxt ? TcpRstRule::kRcvdChallenge : TcpRstRule::kRcvdAccepted, s.seq.v, s.ack.v);
  if (s.seq != tp.rcv_nxt) {  // in the window but not exact: challenge ACK
    st.challenge_acks++;
    st.badrst++;
    tcp_respond(in, &tp, s.inc(), tp.snd_max, tp.rcv_nxt, tw::TH_ACK);
    return;
  }
  Socket& so = *tp_socket(tp);
  switch (tp.t_state) {
    case TcpState::SYN_RECEIVED:
      if (so.so_head) {  // from LISTEN: back to nothing, the listener keeps listening
        st.conndrops++;
        return tcp_close(&tp);
      }
      so.so_error = ECONNREFUSED;
      break;
    case TcpState::CLOSE_WAIT: so.so_error = EPIPE; break;  // Linux tcp_reset
    case TcpState::TIME_WAIT: break;
    default: so.so_error = ECONNRESET; break;
  }
  st.drops++;
  tcp_close(&tp);
}

// A new SYN for a 4-tuple in TIME-WAIT starts a new connection when its
// sequence (or timestamp) is beyond the old one (RFC 6191; Linux TCP_TW_SYN).
bool timewait_reuse(Inet& in, TcpCb& tp, TcpSegIn& s) {
  if (tp.t_state != TcpState::TIME_WAIT || (s.flags & (tw::TH_SYN | tw::TH_ACK | tw::TH_RST)) != tw::TH_SYN)
    return false;
  const bool newer = s.seq > tp.rcv_nxt ||
                     ((tp.t_flags & TF_RCVD_TSTMP) && s.th.opts.has_ts && int32_t(s.th.opts.ts_val - tp.ts_recent) > 0);
  if (!newer) return false;
  InPcb* l = nullptr;
  tcp_close(&tp);
  l = seg_lookup(in, s, true);
  if (!l || !l->inp_tcpcb || l->inp_tcpcb->t_state != TcpState::LISTEN) {
    dropwithreset(in, s);
    return true;
  }
  stat_of(in).timewait_reuse++;
  input_listen(in, *l->inp_tcpcb, s);
  return true;
}

// Urgent data (RFC 9293 §3.10.7.4 sixth; RFC 6093 §4: the pointer names
// the byte after the urgent one, as Linux reads it). Linux tcp_check_urg:
// a pointer to a byte not yet received, newer than the one known, moves
// the mark; tcp_urg: while the byte is awaited, the segment holding it
// gives a copy (the byte itself stays in the stream, see tcp_usr_oobmark).
void input_urg(TcpCb& tp, const TcpSegIn& s) {
  Socket& so = *tp_socket(tp);
  if ((s.flags & tw::TH_URG) && !tcps_have_rcvd_fin(tp.t_state)) {
    const TcpSeq ptr = s.th.urp ? s.seq + int64_t(s.th.urp) - 1 : s.seq;
    const TcpSeq copied = tcp_copied_seq(tp);
    if (ptr >= copied && ptr >= tp.rcv_nxt && !(tp.t_urg_state && ptr <= tp.t_urg_seq)) {
      // The previous urgent byte, unread at the head of the stream, leaves it.
      if (tp.t_urg_state && tp.t_urg_seq == copied && copied != tp.rcv_nxt && !(so.so_options & SOF_OOBINLINE))
        sbdrop(so.so_rcv, 1);
      tp.t_urg_state = TCPURG_NOTYET;
      tp.t_urg_seq = ptr;
      if (ptr + 1 > tp.rcv_up) tp.rcv_up = ptr + 1;
    }
  }
  if (tp.t_urg_state == TCPURG_NOTYET && s.m) {
    const int32_t off = tp.t_urg_seq - s.seq;
    if (off >= 0 && off < s.len) {
      std::byte b;
      m_copydata(s.m, off, 1, &b);
      tp.t_iobc = uint8_t(b);
      tp.t_urg_state = TCPURG_VALID;
      sorwakeup(so);
    }
  }
}

// Text (seventh): in order to so_rcv (delayed ACK every second segment,
// RFC 1122 §4.2.3.2), else to reassembly with an immediate duplicate ACK
// (RFC 5681 §4.2). Returns whether a FIN came in order with it.
bool input_text(Inet& in, TcpCb& tp, TcpSegIn& s) {
  TcpStat& st = stat_of(in);
  Socket& so = *tp_socket(tp);
  const bool fin = s.flags & tw::TH_FIN;
  if (s.len == 0 && !fin) {
    m_freem(s.m);
    s.m = nullptr;
    return false;
  }
  if (s.len > 0) {
    tcp_measure_rcv_mss(tp, uint32_t(s.len), uint32_t(tw::kTcpHdrLen + tw::tcp_options_len(s.th.opts)), s.flags);
    // Linux tcp_event_data_recv: the first data starts in quick-ACK mode
    // (rcv_wnd / (2 * rcv_mss) ACKs at once, between 2 and 16) with the
    // delayed-ACK timeout (ATO) at its minimum; later the ATO follows the
    // gaps between data segments, and a gap longer than the RTO (a stalled
    // sender) brings quick ACKs back.
    const Time now = in.st.now();
    const int quick = int(std::clamp<uint32_t>(tcp_rcv_window(tp) / (2 * std::max<uint32_t>(tp.t_rcvmss, 1)), 2, 16));
    if (tp.t_ato == Time{0}) {
      tp.t_ato = kTcpDelackMin;
      if (tp.t_quickack == 0) tp.t_quickack = quick;
    } else if (const Time m = now - tp.t_last_data_recv; m <= kTcpDelackMin / 2) {
      tp.t_ato = tp.t_ato / 2 + kTcpDelackMin / 2;
    } else if (m < tp.t_ato) {
      tp.t_ato = std::min(tp.t_ato / 2 + m, tp.t_rto);
    } else if (m > tp.t_rto && tp.t_quickack >= 0) {
      tp.t_quickack = std::max(tp.t_quickack, quick);
    }
    tp.t_data_segs_in++;
  }
  tp.t_last_data_recv = in.st.now();
  if (s.seq == tp.rcv_nxt && tp.t_reass.empty()) {
    tp.rcv_nxt += s.len;
    if (s.len > 0) tcp_rcv_rtt_measure(tp);
    tp.t_bytes_received += uint64_t(s.len);
    st.rcvpack++;
    st.rcvbyte += uint64_t(s.len);
    if (s.len > 0 && !(so.so_rcv.sb_state & SBS_CANTRCVMORE)) sbappendstream(so.so_rcv, s.m);
    else m_freem(s.m);
    s.m = nullptr;
    // Linux __tcp_select_window: a buffer more than half full ends quick-ACK mode.
    if (tp.t_quickack > 0 && tcp_rcv_window(tp) < so.so_rcv.sb_hiwat / 4) tp.t_quickack = 0;
    if (uint32_t(s.len) > tp.t_rcvmss / 2) tp.t_segs_unacked++;
    if (tp.t_quickack > 0 && !tp.t_pingpong) {
      tp.t_quickack--;
      tp.t_flags |= TF_ACKNOW;
    } else if (tp.t_segs_unacked >= 2 || fin) {
      tp.t_flags |= TF_ACKNOW;
    } else {
      tp.t_flags |= TF_DELACK;
      tcp_delack_arm(tp);
    }
    if (s.len > 0) sorwakeup(so);
    return fin;
  }
  // Out of order, or it fills (part of) a hole.
  const bool filled = s.seq == tp.rcv_nxt;
  tcp_reass_insert(tp, s.seq, s.len, fin, s.m);
  s.m = nullptr;
  tp.t_flags |= TF_ACKNOW;
  if (!filled) return false;
  st.rcvpack++;
  const uint32_t before = so.so_rcv.sb_cc;
  const bool got_fin = tcp_reass_deliver(tp);
  st.rcvbyte += so.so_rcv.sb_cc - before;
  if (so.so_rcv.sb_cc != before) sorwakeup(so);
  return got_fin;
}

// FIN (eighth): RFC 9293 §3.10.7.4.
void input_fin(Inet& in, TcpCb& tp) {
  (void)in;
  Socket& so = *tp_socket(tp);
  tp.t_flags |= TF_ACKNOW;
  switch (tp.t_state) {
    case TcpState::SYN_RECEIVED:
    case TcpState::ESTABLISHED:
      tcp_set_state(tp, TcpState::CLOSE_WAIT);
      break;
    case TcpState::FIN_WAIT_1:
      tcp_set_state(tp, TcpState::CLOSING);
      break;
    case TcpState::FIN_WAIT_2:
      tcp_set_state(tp, TcpState::TIME_WAIT);
      tcp_timewait_arm(tp, kTcpTimeWait);
      soisdisconnected(so);
      break;
    case TcpState::TIME_WAIT:
      tcp_timewait_arm(tp, kTcpTimeWait);  // a retransmitted FIN restarts 2MSL
      break;
    default:
      break;
  }
  socantrcvmore(so);
}

void input_synchronized(Inet& in, TcpCb& tp, TcpSegIn& s) {
  TcpStat& st = stat_of(in);
  if (timewait_reuse(in, tp, s)) return;
  // A retransmitted SYN for our SYN-ACK: send the SYN-ACK again (Linux).
  if (tp.t_state == TcpState::SYN_RECEIVED && (s.flags & (tw::TH_SYN | tw::TH_ACK)) == tw::TH_SYN && s.seq == tp.irs) {
    tp.snd_nxt = tp.iss;
    tp.t_hist.rxt_cause = TcpRxtCause::kSynAckRetry;
    tcp_output(tp);
    return;
  }
  const bool acceptable = check_sequence(in, tp, s);
  if (!acceptable) {
    // TIME-WAIT: a retransmitted FIN is acknowledged and restarts 2MSL (RFC 9293 §3.10.7.4 eighth).
    if (tp.t_state == TcpState::TIME_WAIT && (s.flags & tw::TH_FIN)) tcp_timewait_arm(tp, kTcpTimeWait);
    if (tp.t_flags & TF_ACKNOW) tcp_output(tp);
    return;
  }
  if (s.flags & tw::TH_RST) return input_rst(in, tp, s);
  if (s.flags & tw::TH_SYN) {  // RFC 5961 §4.2: challenge ACK, never a reset
    st.challenge_acks++;
    tcp_respond(in, &tp, s.inc(), tp.snd_max, tp.rcv_nxt, tw::TH_ACK);
    return;
  }
  if (!(s.flags & tw::TH_ACK)) {  // §3.10.7.4 fifth: no ACK bit, drop
    st.rcvnoack++;
    return;
  }
  tp.t_rcvtime = in.st.now();
  tp.t_keep_probes = 0;
  if (tp.t_state == TcpState::SYN_RECEIVED) {
    if (s.ack <= tp.snd_una || s.ack > tp.snd_max) return dropwithreset(in, s, &tp, TcpRstRule::kSynRcvdBadAck);
    Socket& so = *tp_socket(tp);
    if (tcp_defer_bare_ack(tp, s.len > 0 || (s.flags & tw::TH_FIN))) return;  // TCP_DEFER_ACCEPT
    // Linux tcp_check_req: a full accept queue drops the final ACK and keeps
    // the connection in SYN-RECEIVED (the SYN-ACK timer goes on).
    if (so.so_head && so.so_head->so_qlen > so.so_head->so_qlimit) {
      st.listen_overflows++;
      so.so_stack->sostat().listen_overflows++;
      tp.t_flags |= TF_LQ_OVERFLOW;
      return;
    }
    if (tp.t_rtttime > Time{0} && s.ack > tp.t_rtseq) tcp_rtt_sample(tp, in.st.now() - tp.t_rtttime);
    tp.t_rtttime = Time{0};
    tp.snd_una = tp.iss + 1;
    tp.t_rxtshift = 0;
    tp.t_rxt_first = Time{0};
    if (tp.snd_una == tp.snd_max) tcp_timer_stop(tp, tp.t_rexmt);
    established(tp, s, uint32_t(s.th.win) << tp.snd_scale);
  }
  if (!tcp_input_ack(in, tp, s)) return;  // the connection is gone, or the segment done with
  // Data after our side closed for reading on an orphan is an abort (Linux TCPABORTONDATA).
  if ((tp.t_state == TcpState::FIN_WAIT_1 || tp.t_state == TcpState::FIN_WAIT_2) && s.len > 0 &&
      (tp_socket(tp)->so_state & SS_NOFDREF)) {
    m_freem(s.m);
    s.m = nullptr;
    return tcp_drop(&tp, ECONNRESET, true, TcpRstRule::kDataAfterClose);
  }
  input_urg(tp, s);
  bool fin = false;
  if (tp.t_state == TcpState::ESTABLISHED || tp.t_state == TcpState::FIN_WAIT_1 ||
      tp.t_state == TcpState::FIN_WAIT_2 || tp.t_state == TcpState::SYN_RECEIVED) {
    fin = input_text(in, tp, s);
  } else {
    // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN is in; a
    // retransmitted FIN is answered.
    fin = (s.flags & tw::TH_FIN) && s.seq + s.len == tp.rcv_nxt - 1;
    if (fin) {
      tp.t_flags |= TF_ACKNOW;
      if (tp.t_state == TcpState::TIME_WAIT) tcp_timewait_arm(tp, kTcpTimeWait);
      fin = false;
    }
  }
  if (fin) {
    tp.rcv_nxt += 1;
    input_fin(in, tp);
  }
  // FreeBSD's needoutput: an ACK owed, or data or a FIN that may go now. A
  // bare ACK (the handshake's last) sends nothing, not even a window update.
  Socket& so = *tp_socket(tp);
  const bool unsent = int64_t(so.so_snd.sb_cc) > (tp.snd_nxt - tp.snd_una) ||
                      ((so.so_snd.sb_state & SBS_CANTSENDMORE) && !(tp.t_flags & TF_SENTFIN));
  if ((tp.t_flags & TF_ACKNOW) || unsent || tp.snd_nxt < tp.snd_max) tcp_output(tp);
}

// The core both families share: the segment (payload in s.m) to the pcb
// the lookup found, or a reset when nobody owns it.
void tcp_input_seg(Inet& in, TcpSegIn& s, InPcb* inp) {
  TcpCb* tp = intotcpcb(inp);
  if (!tp || tp->t_state == TcpState::CLOSED) {
    dropwithreset(in, s);
    m_freem(s.m);
    return;
  }
  tp->t_segs_in++;
  switch (tp->t_state) {
    case TcpState::LISTEN: input_listen(in, *tp, s); break;
    case TcpState::SYN_SENT: input_syn_sent(in, *tp, s); break;
    default: input_synchronized(in, *tp, s); break;
  }
  m_freem(s.m);
}

// The TCP header at off (tlen bytes of segment); nullopt when the data
// offset is bad.
std::optional<tw::TcpRepr> parse_hdr(const mbuf* m, int off, int tlen) {
  std::byte hdr[60];
  m_copydata(m, off, std::min(tlen, 60), hdr);
  const int hlen = (uint8_t(hdr[12]) >> 4) * 4;
  auto th = tw::tcp_parse(tw::Bytes(hdr, size_t(std::min({tlen, 60, std::max(hlen, tw::kTcpHdrLen)}))));
  if (!th || th->hlen > tlen) return std::nullopt;
  return th;
}

}  // namespace

void tcp_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip) {
  TcpStat& st = stat_of(in);
  ifnet* ifp = m->m_pkthdr.rcvif;
  st.rcvtotal++;
  auto bad = [&](uint64_t& c) {
    c++;
    if (ifp) ifp->if_data.rx_dropped++;
    m_freem(m);
  };
  const int tlen = ip.total_len - ip.hlen;
  if (tlen < tw::kTcpHdrLen) return bad(st.rcvshort);
  const uint32_t sum = in_cksum_chain(m, ip.hlen, tlen, wire::pseudo_sum(ip.src, ip.dst, tw::IPPROTO_TCP_, uint16_t(tlen)));
  if (wire::cksum_finish(sum) != 0) return bad(st.rcvbadsum);
  auto th = parse_hdr(m, ip.hlen, tlen);
  if (!th) return bad(st.rcvbadoff);
  m_adj(m, ip.hlen + th->hlen);
  TcpSegIn s{*th, ip.src, ip.dst, false, {}, {}, TcpSeq(th->seq), TcpSeq(th->ack), tlen - th->hlen, th->flags, m};
  tcp_input_seg(in, s, tcp_lookup(in, ip.src, th->sport, ip.dst, th->dport, true));
}

void tcp6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip6) {
  ifnet* ifp = m->m_pkthdr.rcvif;
  Inet* inp = inet_of(in6.st);
  if (!inp) {  // TCP's tables live with inet: without it nobody listens
    if (ifp) ifp->if_data.rx_dropped++;
    m_freem(m);
    return;
  }
  Inet& in = *inp;
  TcpStat& st = stat_of(in);
  st.rcvtotal++;
  auto bad = [&](uint64_t& c) {
    c++;
    if (ifp) ifp->if_data.rx_dropped++;
    m_freem(m);
  };
  // ip6_input took the header's length for the packet's (m_pkthdr.len).
  const int tlen = m->m_pkthdr.len - off;
  if (tlen < tw::kTcpHdrLen) return bad(st.rcvshort);
  // RFC 8200 §8.1: the pseudo-header has the upper-layer length in 32
  // bits and the next header value of TCP itself.
  const uint32_t sum = in_cksum_chain(m, off, tlen, wire::pseudo_sum6(ip6.src, ip6.dst, uint32_t(tlen), tw::IPPROTO_TCP_));
  if (wire::cksum_finish(sum) != 0) return bad(st.rcvbadsum);
  // Linux tcp_v6_rcv takes only packets for this host (not multicast),
  // and tcp_v6_conn_request drops a v4-mapped source (RFC 4038 §5.1: such
  // an address never appears on the wire); from :: nobody could answer.
  if (wire::in6_is_multicast(ip6.dst) || wire::in6_is_v4mapped(ip6.src) || wire::in6_is_v4mapped(ip6.dst) ||
      wire::in6_is_unspecified(ip6.src))
    return bad(st.rcvbadaddr);
  auto th = parse_hdr(m, off, tlen);
  if (!th) return bad(st.rcvbadoff);
  m_adj(m, off + th->hlen);
  TcpSegIn s{*th, 0, 0, true, ip6.src, ip6.dst, TcpSeq(th->seq), TcpSeq(th->ack), tlen - th->hlen, th->flags, m};
  tcp_input_seg(in, s, tcp_lookup6(in, ip6.src, th->sport, ip6.dst, th->dport, true));
}

namespace {

// RFC 1191 §6.1 / RFC 8201 §4: IP has lowered the path MTU; when it is
// below what the connection uses, the MSS follows and what is outstanding
// goes again at the new size (Linux tcp_v4_mtu_reduced, tcp_v6_mtu_reduced:
// tcp_sync_mss, tcp_simple_retransmit).
void tcp_mtu_reduced(TcpCb& tp) {
  const uint32_t mtu = tcp_path_mtu(tp);
  if (mtu == 0 || mtu >= (tp.t_pmtu ? tp.t_pmtu : tp.t_advmss + tcp_hdrs_len(*tp.t_inpcb))) return;
  tp.t_pmtu = mtu;
  tcp_mss_update(tp, tp.t_peermss);
  tp.snd_nxt = tp.snd_una;
  tp.t_hist.rxt_cause = TcpRxtCause::kPmtu;
  tcp_output(tp);
}

// An ICMP error's errno for a connection (Linux tcp_v4_err, tcp_v6_err,
// the same rule for both families). During the handshake (SYN-SENT, or an
// active SYN-RECEIVED) it ends the connect: the pending error, the
// connection closed (tcp_done_with_error). Linux takes it as the soft error
// only, the SYN retried, when the socket is owned by the user: the error
// came back within the connecting call itself (a local peer over a veth
// pair answers inside connect's own transmit), and a later one ends the
// connect with both set. The stack takes ICMP input and user requests as
// separate events, so an error never meets a socket in a call: it is the
// not-owned rule always. Later on, an error is reported at once with
// IP_RECVERR / IPV6_RECVERR (sk_err), else kept soft (sk_err_soft, which
// SO_ERROR reads once and a timeout reports instead of ETIMEDOUT).
void tcp_icmp_error(TcpCb& tp, int err, bool recverr) {
  Socket& so = *tp_socket(tp);
  if (tp.t_state == TcpState::SYN_SENT || (tp.t_state == TcpState::SYN_RECEIVED && !so.so_head)) {
    so.so_error = err;
    tcp_close(&tp);
    return;
  }
  tp.t_softerror = err;
  if (!recverr) {
    so.so_softerror = err;
    return;
  }
  so.so_error = err;
  sorwakeup(so);
  sowwakeup(so);
}

}  // namespace

void tcp_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> q) {
  (void)offender;
  const size_t qhl = size_t(uint8_t(q[0]) & 0xf) * 4;
  if (q.size() < qhl + 8) return;
  const uint32_t src = wire::get32(&q[12]), dst = wire::get32(&q[16]);
  const uint16_t sport = wire::get16(&q[qhl]), dport = wire::get16(&q[qhl + 2]);
  const TcpSeq seq(wire::get32(&q[qhl + 4]));
  TcpCb* tp = intotcpcb(tcp_lookup(in, dst, dport, src, sport, false));
  if (!tp || tp->t_state == TcpState::LISTEN) return;
  // RFC 5927 §4.1: only about data in flight.
  if (seq < tp->snd_una || seq > tp->snd_max) return;
  if (ic.type == wire::ICMP_UNREACH_ && ic.code == wire::ICMP_UNREACH_NEEDFRAG_) {
    // icmp_input has lowered the path MTU (ip_pmtu_update).
    tcp_mtu_reduced(*tp);
    return;
  }
  if (ic.type == wire::ICMP_SOURCEQUENCH_) return;  // RFC 6633
  bool hard;
  const int err = icmp_to_errno(ic.type, ic.code, &hard);
  if (!err) return;
  in.icmpstat.inerrors_delivered++;
  tcp_icmp_error(*tp, err, tp->t_inpcb->inp_recverr);  // Linux tcp_v4_err: IP_RECVERR reports at once
}

void tcp6_ctlinput(Inet6& in6, const Ip6CtlParam& p) {
  Inet* inp = inet_of(in6.st);
  if (!inp || p.quoted.size() < size_t(p.off) + 8) return;
  const std::byte* th = &p.quoted[size_t(p.off)];
  const uint16_t sport = wire::get16(th), dport = wire::get16(th + 2);
  const TcpSeq seq(wire::get32(th + 4));
  TcpCb* tp = intotcpcb(tcp_lookup6(*inp, p.dst, dport, p.src, sport, false));
  if (!tp || tp->t_state == TcpState::LISTEN) return;
  // Linux tcp_v6_err: only about what is in flight (RFC 5927 §4.1).
  if (seq < tp->snd_una || seq > tp->snd_max) return;
  if (p.type == wire::ICMP6_PACKET_TOO_BIG_) {
    // RFC 8201 §4: icmp6 has lowered the path MTU (ip6_pmtu_update); a
    // value below 1280 is discarded, here too (Linux tcp_v6_err).
    // IPV6_PMTUDISC_INTERFACE and OMIT sockets ignore it (Linux
    // ip6_sk_accept_pmtu).
    if (tp->t_inpcb->in6p.mtu_discover == 4 || tp->t_inpcb->in6p.mtu_discover == 5) return;
    if (p.info < wire::kIp6MinMtu) return;
    tcp_mtu_reduced(*tp);
    return;
  }
  if (!p.error) return;
  tcp_icmp_error(*tp, p.error, tp->t_inpcb->in6p.recverr);
}

}  // namespace tunsock
