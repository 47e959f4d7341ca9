// TCP output: decide whether a segment is due and build it. Segmentation at
// the MSS within min(send window, congestion window) (RFC 9293 §3.8.6,
// RFC 5681), Nagle (RFC 896, RFC 1122 §4.2.3.4) with TCP_NODELAY and
// TCP_CORK, sender and receiver silly-window avoidance (RFC 1122 §4.2.3.3-4),
// window updates, persist probes, options (RFC 7323, RFC 2018).
// FreeBSD: netinet/tcp_output.c.
#include <algorithm>
#include <bit>
#include <cerrno>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

// FreeBSD tcp_outflags: the flags a segment carries in each state.
uint8_t tcp_outflags(TcpState s) {
  using namespace tw;
  switch (s) {
    case TcpState::CLOSED: return TH_RST | TH_ACK;
    case TcpState::LISTEN: return 0;
    case TcpState::SYN_SENT: return TH_SYN;
    case TcpState::SYN_RECEIVED: return TH_SYN | TH_ACK;
    case TcpState::ESTABLISHED:
    case TcpState::CLOSE_WAIT:
    case TcpState::FIN_WAIT_2:
    case TcpState::TIME_WAIT: return TH_ACK;
    case TcpState::FIN_WAIT_1:
    case TcpState::CLOSING:
    case TcpState::LAST_ACK: return TH_FIN | TH_ACK;
  }
  return 0;
}

IpOutOpts tcp_ipopts(const TcpCb& tp) {
  IpOutOpts o;
  o.ttl = uint8_t(tp.t_inpcb->inp_ttl < 0 ? 64 : tp.t_inpcb->inp_ttl);
  o.tos = tp.t_inpcb->inp_tos;
  o.df = true;  // Linux TCP: path MTU discovery, DF on every segment
  return o;
}

// What the segment will say about our window: Linux __tcp_select_window
// over tcp_rcv_window's free space. Receiver SWS avoidance: below half the
// full space, less than an MSS (or a sixteenth of the space) offers
// nothing; without window scaling the offer moves in whole MSS; and never
// shrink what was offered (RFC 9293 §3.8.6.2.2). A SYN offers the space
// rounded down to our MSS, at most 65535 (tcp_select_initial_window);
// a SYN-ACK's MSS is less the timestamp option when both sides use it
// (tcp_openreq_init_rwin: 65160 = 45 x 1448 where a SYN offers 44 x 1460).
uint32_t window_to_offer(const TcpCb& tp, bool syn = false) {
  const Socket& so = *tp_socket(tp);
  uint32_t full = so.so_rcv.sb_hiwat / 2;
  if (tp.t_window_clamp) full = std::min(full, tp.t_window_clamp);  // Linux: min(window_clamp, full space)
  uint32_t free = tcp_rcv_window(tp);
  if (syn) {
    uint32_t mss = tp.t_advmss;
    if (tp.t_state == TcpState::SYN_RECEIVED && (tp.t_flags & TF_RCVD_TSTMP) && mss > 12) mss -= 12;
    mss = std::max(mss, 1u);
    return std::min<uint32_t>(free > mss ? free / mss * mss : free, 65535);
  }
  const uint32_t mss = std::max(std::min(tp.t_rcvmss, full), 1u);
  uint32_t win;
  if (free < full / 2) free = free >> tp.rcv_scale << tp.rcv_scale;
  if (free < full / 2 && (free < full / 16 || free < mss)) {
    win = 0;
  } else if (tp.rcv_scale) {
    const uint32_t unit = 1u << tp.rcv_scale;
    win = (free + unit - 1) / unit * unit;
  } else {
    const int32_t cur = tp.rcv_adv - tp.last_ack_sent;  // the window last offered (Linux rcv_wnd)
    win = (cur <= int32_t(free - mss) || cur > int32_t(free)) ? free / mss * mss : uint32_t(cur);
  }
  const int32_t offered = tp.rcv_adv - tp.rcv_nxt;
  if (offered > 0 && win < uint32_t(offered)) win = uint32_t(offered);
  return std::min<uint32_t>(win, 65535u << tp.rcv_scale);
}

// Whether a window update is worth a segment of its own (FreeBSD's rule:
// two segments' worth, or half the full space).
bool window_update_due(const TcpCb& tp, uint32_t win) {
  if (!tcps_have_rcvd_syn(tp.t_state) || tcps_have_rcvd_fin(tp.t_state)) return false;
  const int32_t adv = int32_t(win) - (tp.rcv_adv - tp.rcv_nxt);
  if (adv <= 0) return false;
  return uint32_t(adv) >= 2 * tp.t_rcvmss || 4 * uint32_t(adv) >= tp_socket(tp)->so_rcv.sb_hiwat;
}

void fill_syn_options(TcpCb& tp, tw::TcpOptions& o, bool synack) {
  o.mss = uint16_t(std::min<uint32_t>(tp.t_advmss, 65535));
  if ((tp.t_flags & TF_REQ_SCALE) && (!synack || (tp.t_flags & TF_RCVD_SCALE))) o.wscale = tp.request_r_scale;
  if (!synack || (tp.t_flags & TF_SACK_PERMIT)) o.sack_permitted = true;
  if ((tp.t_flags & TF_REQ_TSTMP) && (!synack || (tp.t_flags & TF_RCVD_TSTMP))) {
    o.has_ts = true;
    o.ts_val = tcp_ts_now(tp);
    o.ts_ecr = synack ? tp.ts_recent : 0;
  }
}

}  // namespace

void tcp_mark_push(TcpCb& tp, TcpSeq from, TcpSeq to) {
  // Linux tcp_sendmsg_locked: each time an skb (size_goal bytes: whole
  // MSS, at most half the peer's largest window, tcp_bound_to_half_wnd)
  // fills and the write has gone more than half the largest window past
  // the last push (forced_push), that skb carries PSH; tcp_push marks the
  // end of the write. A segment holding a mark carries PSH, also when
  // retransmitted or cut short by the window.
  auto mark = [&](TcpSeq at) {
    if (!tp.t_push_marks.empty() && tp.t_push_marks.back() >= at) return;
    tp.t_push_marks.push_back(at);
    if (tp.t_push_marks.size() > 256) tp.t_push_marks.pop_front();
    tp.t_pushed_seq = at;
  };
  // Every write ends in a mark, and marks go once acknowledged: with none
  // left, everything written up to the last push is acknowledged.
  tp.t_pushed_seq = tp.t_push_marks.empty() ? tp.snd_una : tp.t_push_marks.back();
  if (tp.max_sndwnd > 0) {
    const uint32_t cutoff = tcp_half_wnd_cutoff(tp);
    // Linux's mss_cache is itself bounded to half the largest window.
    const uint32_t mss = std::max(std::min(tp.t_maxseg, std::max(cutoff, 48u)), 1u);
    const uint32_t goal = std::max(std::min(65536u, cutoff) / mss * mss, mss);
    for (TcpSeq end = from + int64_t(goal); end <= to; end += int64_t(goal))
      if (end - tp.t_pushed_seq > int32_t(tp.max_sndwnd / 2)) mark(end);
  }
  mark(to);
}

void tcp_sndbuf_expand(TcpCb& tp) {
  // Linux tcp_sndbuf_expand: room for two congestion windows (fast
  // recovery), each segment charged as the worst case of one skb per frame:
  // MSS + MAX_TCP_HEADER + skb_shared_info, rounded up to a power of two,
  // plus the sk_buff. In payload terms this is generous (about twice what
  // Linux fits), which the "within 2x" allows; getsockopt(SO_SNDBUF)
  // shows Linux's number (87040 for MSS 1460, 2626560 on lo).
  Socket& so = *tp_socket(tp);
  if (so.so_snd.sb_flags & SB_USERSET) return;
  constexpr uint32_t kMaxTcpHeader = 320, kSkbSharedInfo = 320, kSkbStruct = 256;
  const uint32_t mss = std::max(tp.t_peermss, tp.t_maxseg);
  const uint32_t per_mss = std::bit_ceil(mss + kMaxTcpHeader + kSkbSharedInfo) + kSkbStruct;
  const uint32_t nr_segs = std::max({uint32_t(kTcpInitCwnd), tp.snd_cwnd / std::max(tp.t_maxseg, 1u),
                                     tp.t_reordering + 1});
  const uint64_t sndmem = std::min<uint64_t>(2ull * nr_segs * per_mss, kTcpWmemMax);
  if (so.so_snd.sb_hiwat < sndmem) {
    sbreserve(so.so_snd, uint32_t(sndmem));
    sowwakeup(so);
  }
}

void tcp_init_buffer_space(TcpCb& tp) {
  // Linux tcp_init_buffer_space at ESTABLISHED: the send buffer for the
  // initial window, and the first DRS measurement (rcvq_space: what the
  // program is assumed to read per RTT, at most 10 segments).
  const Socket& so = *tp_socket(tp);
  tcp_sndbuf_expand(tp);
  tp.t_rcvq_space = std::min<uint32_t>(tcp_rcv_window(tp), kTcpInitCwnd * std::max(tp.t_advmss, 1u));
  tp.t_rcvq_seq = tp.rcv_nxt - int64_t(so.so_rcv.sb_cc);
  tp.t_rcvq_time = tp.t_in->st.now();
}

void tcp_rcv_rtt_measure(TcpCb& tp) {
  // Linux tcp_rcv_rtt_measure: the receiver's RTT is the time a window's
  // worth of data takes to arrive; the minimum of those samples.
  const Time now = tp.t_in->st.now();
  if (tp.t_rcv_rtt_time != Time{0}) {
    if (tp.rcv_nxt < tp.t_rcv_rtt_seq) return;
    const Time sample = std::max<Time>(now - tp.t_rcv_rtt_time, std::chrono::microseconds(1));
    if (tp.t_rcv_rtt == Time{0} || sample < tp.t_rcv_rtt) tp.t_rcv_rtt = sample;
  }
  tp.t_rcv_rtt_seq = tp.rcv_nxt + int64_t(std::max<int32_t>(tp.rcv_adv - tp.last_ack_sent, 1));
  tp.t_rcv_rtt_time = now;
}

namespace {

// Linux tcp_rcv_space_adjust (dynamic right-sizing): once per receiver RTT,
// when the program read more than in the last one, the receive buffer grows
// to twice that plus room for the sender's growth, at most tcp_rmem[2],
// unless SO_RCVBUF fixed it.
void tcp_rcv_space_adjust(TcpCb& tp) {
  Socket& so = *tp_socket(tp);
  const Time now = tp.t_in->st.now();
  if (tp.t_rcv_rtt == Time{0} || now - tp.t_rcvq_time < tp.t_rcv_rtt) return;
  if (tcps_have_rcvd_fin(tp.t_state)) return;
  const TcpSeq copied_seq = tp.rcv_nxt - int64_t(so.so_rcv.sb_cc);
  const int32_t copied = copied_seq - tp.t_rcvq_seq;
  if (copied > 0 && uint32_t(copied) > tp.t_rcvq_space) {
    if (!(so.so_rcv.sb_flags & SB_USERSET) && tp.t_rcvq_space > 0) {
      uint64_t rcvwin = 2ull * uint32_t(copied) + 16ull * tp.t_advmss;
      const uint64_t grow = rcvwin * (uint32_t(copied) - tp.t_rcvq_space) / tp.t_rcvq_space;
      rcvwin += 2 * grow;
      // tcp_space_from_win at the default scaling ratio (half of the
      // buffer is window), as Linux reports SO_RCVBUF.
      const uint64_t rcvbuf = std::min<uint64_t>(2 * rcvwin, so.so_stack->sysctl().tcp_rmem_max);
      if (rcvbuf > so.so_rcv.sb_hiwat) sbreserve(so.so_rcv, uint32_t(rcvbuf));
    }
    tp.t_rcvq_space = uint32_t(copied);
  }
  tp.t_rcvq_seq = copied_seq;
  tp.t_rcvq_time = now;
}

}  // namespace

void tcp_cleanup_rbuf(TcpCb& tp) {
  if (!tcps_have_established(tp.t_state)) return;
  tcp_rcv_space_adjust(tp);
  // Linux tcp_cleanup_rbuf: an ACK held back while more than a full
  // segment is unacknowledged goes once the program has read (the
  // "once-per-two-segments" ACK tcp_input left for the reader).
  if ((tp.t_flags & TF_DELACK) && uint32_t(tp.rcv_nxt - tp.last_ack_sent) > tp.t_rcvmss)
    tp.t_flags |= TF_ACKNOW;
  tcp_output(tp);
}

uint32_t tcp_rcv_window(const TcpCb& tp) {
  // Linux tcp_space: the buffer's free room, what is queued charged by its
  // storage as skb truesize would be (sb_mbcnt: an mbuf and a cluster,
  // 2304 bytes for a 1000-byte segment, plus an eighth for what an skb
  // carries beyond them, skb_shared_info: 2592, where Linux charges about
  // 2600 on tun), at Linux's default scaling ratio (tcp_win_from_space:
  // half the room is window).
  const Sockbuf& sb = tp_socket(tp)->so_rcv;
  const long used = std::max<long>(sb.sb_cc, sb.sb_mbcnt + sb.sb_mbcnt / 8);
  const uint32_t win = uint32_t(std::max<long>(0, long(sb.sb_hiwat) - used) / 2);
  return tp.t_window_clamp ? std::min(win, tp.t_window_clamp) : win;  // TCP_WINDOW_CLAMP
}

namespace {

// The TCP header r in front of data (len bytes, consumed), room left for
// the IP header; the checksum is the caller's (it knows the pseudo-header).
mbuf* tcp_build(const tw::TcpRepr& r, mbuf* data, int len) {
  const int hlen = tw::kTcpHdrLen + int(tw::tcp_options_len(r.opts));
  mbuf* m = m_gethdr(M_NOWAIT, MType::Header);
  if (!m) {
    m_freem(data);
    return nullptr;
  }
  m->m_data += 40;  // room for the IP header in front (BSD max_linkhdr + MH_ALIGN; IPv6's is 40 too)
  tw::tcp_emit(m->m_data, r);
  m->m_len = hlen;
  if (data) data->m_flags &= ~M_PKTHDR;
  m->m_next = data;
  m->m_pkthdr.len = hlen + len;
  return m;
}

}  // namespace

int tcp_emit_ip(Inet& in, const tw::TcpRepr& r, mbuf* data, int len, uint32_t src, uint32_t dst,
                const IpOutOpts& o) {
  mbuf* m = tcp_build(r, data, len);
  if (!m) return ENOBUFS;
  const uint16_t tlen = uint16_t(m->m_pkthdr.len);
  uint16_t sum = wire::cksum_finish(in_cksum_chain(m, 0, tlen, wire::pseudo_sum(src, dst, tw::IPPROTO_TCP_, tlen)));
  tw::tcp_set_cksum(m->m_data, sum);
  return ip_output(in, m, src, dst, tw::IPPROTO_TCP_, o);
}

int tcp_emit_ip6(Inet& in, const tw::TcpRepr& r, mbuf* data, int len, const In6& src, const In6& dst,
                 const Ip6OutOpts& o) {
  Inet6* in6 = inet6_of(in.st);
  if (!in6) {
    m_freem(data);
    return ENETUNREACH;
  }
  mbuf* m = tcp_build(r, data, len);
  if (!m) return ENOBUFS;
  const int tlen = m->m_pkthdr.len;
  // RFC 8200 §8.1: the upper-layer length in 32 bits, next header TCP.
  uint16_t sum = wire::cksum_finish(in_cksum_chain(m, 0, tlen, wire::pseudo_sum6(src, dst, uint32_t(tlen), tw::IPPROTO_TCP_)));
  tw::tcp_set_cksum(m->m_data, sum);
  return ip6_output(*in6, m, src, dst, tw::IPPROTO_TCP_, o);
}

int tcp_emit(TcpCb& tp, const tw::TcpRepr& r, mbuf* data, int len) {
  const InPcb& inp = *tp.t_inpcb;
  if (tcp_isipv6(inp)) {
    Ip6OutOpts o;
    o.hlim = inp.in6p.hlim;
    o.tclass = uint8_t(inp.in6p.tclass);
    // Linux ip6_xmit: TCP sizes its segments to the path MTU and is never
    // fragmented at the source (a segment too big fails with EMSGSIZE).
    o.dontfrag = true;
    return tcp_emit_ip6(*tp.t_in, r, data, len, inp.in6p_laddr, inp.in6p_faddr, o);
  }
  return tcp_emit_ip(*tp.t_in, r, data, len, inp.inp_laddr, inp.inp_faddr, tcp_ipopts(tp));
}

int tcp_send_segment(TcpCb& tp, TcpSeq seq, int len, uint8_t flags) {
  Socket& so = *tp_socket(tp);
  InPcb& inp = *tp.t_inpcb;
  TcpStat& s = tcp_globals(*tp.t_in).stat;
  const Time now = tp.t_in->st.now();
  tw::TcpRepr r;
  r.sport = inp.inp_lport;
  r.dport = inp.inp_fport;
  r.seq = seq.v;
  r.flags = flags;
  if (flags & tw::TH_SYN) {
    fill_syn_options(tp, r.opts, flags & tw::TH_ACK);
  } else {
    if (tp.t_flags & TF_RCVD_TSTMP) {  // RFC 7323 §3.2
      r.opts.has_ts = true;
      r.opts.ts_val = tcp_ts_now(tp);
      r.opts.ts_ecr = tp.ts_recent;
    }
    if ((tp.t_flags & TF_SACK_PERMIT) && (tp.t_dsack || !tp.t_reass.empty()) && (flags & tw::TH_ACK)) {
      // RFC 2018 §4, RFC 2883 §4: a D-SACK block is sent once, first.
      r.opts.nsack = uint8_t(tcp_sack_option_blocks(tp, r.opts.sack, r.opts.has_ts ? 3 : 4));
      s.sack_blocks_sent += r.opts.nsack;
      tcp_hist_sack(tp, true, r.opts.sack, r.opts.nsack, tp.t_dsack);
      tp.t_dsack = false;
    }
  }
  const uint32_t win = window_to_offer(tp, flags & tw::TH_SYN);  // RFC 7323 §2.2: a SYN's is never scaled
  if (tcps_have_established(tp.t_state)) tcp_hist_local_window(tp, win >> tp.rcv_scale);  // as the peer reads it
  if (flags & tw::TH_ACK) r.ack = tp.rcv_nxt.v;
  r.win = uint16_t(std::min<uint32_t>((flags & tw::TH_SYN) ? win : win >> tp.rcv_scale, 65535));
  if (tp.snd_up > seq && (flags & tw::TH_ACK)) {  // RFC 9293 §3.8.5 (urgent pointer: the byte after)
    r.flags |= tw::TH_URG;
    r.urp = uint16_t(std::min<int32_t>(tp.snd_up - seq, 65535));
    s.sndurg++;
  }
  mbuf* data = nullptr;
  if (len > 0) {
    const int off = seq - tp.snd_una;
    data = m_copym(so.so_snd.sb_mb, off, len, M_NOWAIT);
    if (!data) return ENOBUFS;
    tp.t_last_data_sent = now;
    tp.t_data_segs_out++;
    // PSH where a write ended (Linux tcp_mark_push), or on the last byte queued.
    const TcpSeq end = seq + len;
    while (!tp.t_push_marks.empty() && tp.t_push_marks.front() <= tp.snd_una) tp.t_push_marks.pop_front();
    bool push = end == tp.snd_una + int64_t(so.so_snd.sb_cc) && !(tp.t_flags & TF_NOPUSH);
    for (TcpSeq mark : tp.t_push_marks) {
      if (mark > end) break;
      if (mark > seq) push = true;
    }
    if (push) r.flags |= tw::TH_PUSH;
    // Linux tcp_event_data_sent: data sent within the ATO of the last
    // received makes the connection interactive (delayed ACKs, no quick ACKs).
    if (tp.t_last_data_recv > Time{0} && now - tp.t_last_data_recv < std::max(tp.t_ato, kTcpDelackMin))
      tp.t_pingpong = true;
  }
  s.sndtotal++;
  tp.t_segs_out++;
  if (win > 0 && int32_t(tp.rcv_adv - tp.rcv_nxt) < int32_t(win)) tp.rcv_adv = tp.rcv_nxt + win;  // also when a probe went past it
  tp.last_ack_sent = tp.rcv_nxt;
  tp.t_flags &= ~(TF_ACKNOW | TF_DELACK);
  tp.t_segs_unacked = 0;
  tcp_timer_stop(tp, tp.t_delack);
  return tcp_emit(tp, r, data, len);
}

namespace {

// The next segment tcp_output considers.
struct OutPlan {
  long len = 0;           // data bytes
  uint8_t flags = 0;
  bool sendalot = false;  // more full segments may follow
  bool force = false;     // a persist probe into a zero window
};

// What the next segment would be and whether it is due (FreeBSD
// tcp_output's "send:" decision). False: nothing to send now; the persist
// timer is armed when data waits behind the window.
bool plan_segment(TcpCb& tp, OutPlan& p) {
  Socket& so = *tp_socket(tp);
  const bool idle = tp.snd_max == tp.snd_una;
  const int off = tp.snd_nxt - tp.snd_una;
  uint32_t sendwin = std::min(tp.snd_wnd, tp.snd_cwnd);
  p = OutPlan{};
  // Linux tcp_current_mss: the SACK blocks tcp_send_segment adds take their
  // room from the data, so the segment still fits the MTU (RFC 2018 §3).
  long mss = long(tp.t_maxseg);
  if ((tp.t_flags & TF_SACK_PERMIT) && (tp.t_dsack || !tp.t_reass.empty())) {
    tw::SackBlock b[4];
    mss -= 4 + 8 * tcp_sack_option_blocks(tp, b, (tp.t_flags & TF_RCVD_TSTMP) ? 3 : 4);
  }
  p.flags = tcp_outflags(tp.t_state);
  p.force = (tp.t_flags & TF_FORCEDATA) && sendwin == 0;
  if (p.force) sendwin = 1;
  if (tp.t_state == TcpState::SYN_SENT && tp.snd_nxt != tp.iss) return false;  // wait for the SYN-ACK
  if (p.flags & tw::TH_SYN) {
    if (tp.snd_nxt != tp.iss) p.flags &= ~tw::TH_SYN;  // no data with a SYN; it goes when not yet sent
  } else {
    p.len = std::max<long>(0, std::min<long>(so.so_snd.sb_cc, sendwin) - off);
    if (p.len > mss) {
      p.len = mss;
      p.sendalot = true;
    }
  }
  // The FIN goes with (or after) the last byte, once (RFC 9293 §3.10.4 CLOSE).
  if (p.flags & tw::TH_FIN) {
    const bool all_data = tp.snd_nxt + p.len == tp.snd_una + long(so.so_snd.sb_cc);
    const bool sent = (tp.t_flags & TF_SENTFIN) && tp.snd_nxt == tp.snd_max;
    if (!all_data || sent) p.flags &= ~tw::TH_FIN;
  }
  if (p.len > 0) {
    if (p.len >= mss) return true;
    // Nagle (RFC 896): a small segment only with nothing outstanding, unless
    // TCP_NODELAY; never while TCP_CORK holds it.
    if ((idle || (tp.t_flags & TF_NODELAY)) && !(tp.t_flags & TF_NOPUSH) && off + p.len >= long(so.so_snd.sb_cc))
      return true;
    if (p.force || (tp.t_flags & TF_FORCEDATA)) return true;
    if (tp.max_sndwnd && p.len >= long(tp.max_sndwnd / 2)) return true;  // RFC 1122 §4.2.3.4
    if (tp.snd_nxt < tp.snd_max) return true;                            // retransmission
  }
  if (window_update_due(tp, window_to_offer(tp))) {
    tcp_globals(*tp.t_in).stat.sndwinup++;
    return true;
  }
  if ((tp.t_flags & TF_ACKNOW) || (p.flags & (tw::TH_SYN | tw::TH_RST | tw::TH_FIN))) return true;
  // Data waits behind a zero (or too small) window: the persist timer
  // probes it (RFC 9293 §3.8.6.1) and is the override timeout of sender
  // SWS avoidance (RFC 1122 §4.2.3.4).
  if (so.so_snd.sb_cc > uint32_t(std::max(off, 0)) && !tp.t_rexmt.armed() && !tp.t_persist.armed() &&
      tcps_have_established(tp.t_state)) {
    tp.t_persist_shift = 0;
    tcp_persist_arm(tp);
  }
  return false;
}

void count_segment(TcpCb& tp, const OutPlan& p, bool rexmit) {
  TcpStat& s = tcp_globals(*tp.t_in).stat;
  if (p.len > 0) {
    if (rexmit) {
      s.sndrexmitpack++;
      s.sndrexmitbyte += uint64_t(p.len);
      tp.t_total_retrans++;
      tp.t_bytes_retrans += uint64_t(p.len);
    } else {
      s.sndpack++;
      s.sndbyte += uint64_t(p.len);
      tp.t_bytes_sent += uint64_t(p.len);
    }
    if (p.force) s.sndprobe++;
  } else if (p.flags & (tw::TH_SYN | tw::TH_FIN)) {
    s.sndctrl++;
    if (rexmit) tp.t_total_retrans++;
  } else {
    s.sndacks++;
  }
}

// Sequence space the segment at start used: SND.NXT, SND.MAX, the RTT
// timing (RFC 6298 §3, Karn) and the retransmission timer.
void advance_after_send(TcpCb& tp, const OutPlan& p, TcpSeq start) {
  const int xlen = int(p.len) + ((p.flags & tw::TH_SYN) ? 1 : 0) + ((p.flags & tw::TH_FIN) ? 1 : 0);
  if (p.flags & tw::TH_FIN) tp.t_flags |= TF_SENTFIN;
  if (p.force) {
    // A persist probe: snd_max covers the byte, snd_nxt stays (FreeBSD).
    if (start + xlen > tp.snd_max) tp.snd_max = start + xlen;
    return;
  }
  if (xlen == 0) return;
  tp.snd_nxt = start + xlen;
  if (tp.snd_nxt > tp.snd_max) {
    tp.snd_max = tp.snd_nxt;
    if (tp.t_rtttime == Time{0}) {
      tp.t_rtttime = tp.t_in->st.now();
      tp.t_rtseq = start;
      tcp_globals(*tp.t_in).stat.segstimed++;
    }
  }
  if (!tp.t_rexmt.armed()) tcp_rexmt_arm(tp);
}

}  // namespace

int tcp_output(TcpCb& tp) {
  const Time now = tp.t_in->st.now();
  if (tp.t_state == TcpState::LISTEN || tp.t_state == TcpState::CLOSED) return 0;
  // RFC 5681 §4.1: after an idle period longer than the RTO, start again.
  if (tp.snd_max == tp.snd_una && tp.t_last_data_sent > Time{0} && now - tp.t_last_data_sent > tp.t_rto &&
      tcps_have_established(tp.t_state)) {
    const uint32_t ocwnd = tp.snd_cwnd;
    tp.t_cc->cc_after_idle(tp);
    if (tp.snd_cwnd != ocwnd) tcp_hist_cwnd(tp, TcpCwndReason::kIdleRestart);
  }
  OutPlan p;
  for (int round = 0; round < 100000 && plan_segment(tp, p); ++round) {
    const TcpSeq start = tp.snd_nxt;
    count_segment(tp, p, start < tp.snd_max);
    if (p.force) tcp_hist_probe(tp, false, start.v);
    else if (start < tp.snd_max && (p.len > 0 || (p.flags & (tw::TH_SYN | tw::TH_FIN))))
      tcp_hist_rexmit(tp, start.v, uint32_t(p.len), p.flags);
    // A pure ACK carries SND.MAX, not a SND.NXT pulled back for a
    // retransmission, so that it stays acceptable to the peer (FreeBSD).
    const bool pure = p.len == 0 && !(p.flags & (tw::TH_SYN | tw::TH_FIN)) && !p.force;
    const int err = tcp_send_segment(tp, pure ? tp.snd_max : start, int(p.len), p.flags);
    advance_after_send(tp, p, start);
    if (tp.snd_nxt >= tp.snd_max) tp.t_hist.rxt_cause = TcpRxtCause::kNone;  // caught up
    if (err && err != ENOBUFS) return err;
    if (!p.sendalot) return 0;
  }
  return 0;
}

}  // namespace tunsock
