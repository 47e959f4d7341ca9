// ACK processing in the synchronized states (RFC 9293 §3.10.7.4 fifth):
// RFC 5961 §5.2 acceptable ACKs, RTT samples (RFC 6298, Karn), duplicate
// ACKs, fast retransmit and NewReno recovery (RFC 5681 §3.2, RFC 6582 §3.2),
// the send window update (SND.WL1/WL2), and the states our FIN being
// acknowledged leads to. FreeBSD: netinet/tcp_input.c (the ACK half).
#include <algorithm>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_input.hpp"

namespace tunsock {

namespace {

// Send the segment at snd_una once, whatever the windows say.
void retransmit_first(TcpCb& tp) {
  const TcpSeq onxt = tp.snd_nxt;
  const uint32_t ocwnd = tp.snd_cwnd;
  tp.snd_nxt = tp.snd_una;
  tp.snd_cwnd = tp.t_maxseg;
  tp.t_rtttime = Time{0};  // Karn
  tcp_output(tp);
  tp.snd_cwnd = ocwnd;
  if (onxt > tp.snd_nxt) tp.snd_nxt = onxt;
  tp.t_hist.rxt_cause = TcpRxtCause::kNone;
}

void dupack(Inet& in, TcpCb& tp, const TcpSegIn& s) {
  TcpStat& st = tcp_globals(in).stat;
  st.rcvdupack++;
  tp.t_dupacks++;
  if (tp.t_flags & TF_FASTRECOVERY) {
    tp.snd_cwnd += tp.t_maxseg;  // RFC 6582 §3.2 step 3: inflate per duplicate
    tcp_output(tp);
    return;
  }
  if (tp.t_dupacks == int(tp.t_reordering)) {
    // RFC 6582 §3.2 step 2: only when the ACK covers more than "recover".
    if (s.ack - 1 < tp.snd_recover && tp.snd_recover != tp.snd_una) return;
    st.fastrexmit++;
    st.recoveries++;
    tp.snd_recover = tp.snd_max;
    tp.t_cc->cc_cong_signal(tp, CcSignal::kDupAck);
    tp.t_flags |= TF_FASTRECOVERY;
    tp.t_ca_state = 3;  // TCP_CA_Recovery
    tcp_timer_stop(tp, tp.t_rexmt);
    tp.t_hist.rxt_cause = TcpRxtCause::kFastRetransmit;
    retransmit_first(tp);
    tp.snd_cwnd = tp.snd_ssthresh + 3 * tp.t_maxseg;
    tcp_hist_cwnd(tp, TcpCwndReason::kFastRetransmit);
    if (!tp.t_rexmt.armed()) tcp_rexmt_arm(tp);
    return;
  }
  if (tp.t_dupacks < int(tp.t_reordering)) {
    tp.t_ca_state = 1;  // TCP_CA_Disorder
    // RFC 3042 limited transmit: one new segment per duplicate ACK.
    const uint32_t ocwnd = tp.snd_cwnd;
    tp.snd_cwnd = tcp_flight_size(tp) + tp.t_maxseg;
    tcp_output(tp);
    tp.snd_cwnd = ocwnd;
  }
}

// New data acknowledged: returns whether our FIN is among it.
bool newack(Inet& in, TcpCb& tp, const TcpSegIn& s) {
  TcpStat& st = tcp_globals(in).stat;
  Socket& so = *tp_socket(tp);
  const uint32_t acked = uint32_t(s.ack - tp.snd_una);
  const bool slow_start = tp.snd_cwnd < tp.snd_ssthresh;
  st.rcvackpack++;
  st.rcvackbyte += acked;
  if (tp.t_rtttime > Time{0} && s.ack > tp.t_rtseq) {  // RFC 6298 §3 (Karn: never a retransmission)
    tcp_rtt_sample(tp, in.st.now() - tp.t_rtttime);
    tp.t_rtttime = Time{0};
  }
  bool partial = false;
  if (tp.t_flags & TF_FASTRECOVERY) {
    if (s.ack >= tp.snd_recover) {  // full ACK: recovery ends (RFC 6582 §3.2 step 3)
      tp.t_flags &= ~TF_FASTRECOVERY;
      tp.t_cc->cc_post_recovery(tp);
      tp.t_ca_state = 0;
      tcp_hist_cwnd(tp, TcpCwndReason::kRecoveryExit);
    } else {
      partial = true;
    }
  } else if (tp.t_ca_state == 4 && s.ack < tp.snd_recover) {
    // still repairing after a timeout: grow as slow start says
    tp.t_cc->cc_ack_received(tp, acked);
  } else {
    tp.t_ca_state = 0;
    tp.t_cc->cc_ack_received(tp, acked);
  }
  if (!partial) tp.t_dupacks = 0;
  bool ourfinacked = false;
  if (acked > so.so_snd.sb_cc) {
    ourfinacked = tp.t_flags & TF_SENTFIN;
    tp.snd_wnd -= std::min<uint32_t>(tp.snd_wnd, so.so_snd.sb_cc);
    sbdrop(so.so_snd, int(so.so_snd.sb_cc));
  } else {
    sbdrop(so.so_snd, int(acked));
    tp.snd_wnd -= std::min(tp.snd_wnd, acked);
  }
  tp.snd_una = s.ack;
  if (tp.snd_nxt < tp.snd_una) tp.snd_nxt = tp.snd_una;
  tp.t_rxtshift = 0;
  tp.t_rxt_first = Time{0};
  tp.t_softerror = 0;
  so.so_softerror = 0;  // Linux tcp_ack: something worked
  tp.t_bytes_acked_total += acked;
  tp.t_delivered += (acked + tp.t_maxseg - 1) / tp.t_maxseg;
  tp.t_last_ack_recv = in.st.now();
  if (partial) {
    // RFC 6582 §3.2 step 4: deflate by what was acknowledged, add back one
    // SMSS if at least that much, retransmit the next hole.
    tp.snd_cwnd -= std::min(tp.snd_cwnd, acked);
    if (acked >= tp.t_maxseg) tp.snd_cwnd += tp.t_maxseg;
    tp.snd_cwnd = std::max(tp.snd_cwnd, tp.t_maxseg);
    tp.t_hist.rxt_cause = TcpRxtCause::kPartialAck;
    retransmit_first(tp);
    tcp_rexmt_arm(tp);
  }
  if (tp.snd_una == tp.snd_max) tcp_timer_stop(tp, tp.t_rexmt);
  else if (!tp.t_persist.armed()) tcp_rexmt_arm(tp);
  // Linux tcp_new_space: freed room grows the send buffer with the
  // congestion window while the window is not full (tcp_should_expand_sndbuf).
  if (tcp_flight_size(tp) < tp.snd_cwnd) tcp_sndbuf_expand(tp);
  tcp_hist_ack(tp, slow_start && !partial);
  sowwakeup(so);
  return ourfinacked;
}

// Whether the segment's SACK blocks cover data above what earlier ones did.
bool sack_reports_new(TcpCb& tp, const TcpSegIn& s) {
  if (!(tp.t_flags & TF_SACK_PERMIT)) return false;
  bool fresh = false;
  for (int i = 0; i < s.th.opts.nsack; ++i) {
    const TcpSeq end(s.th.opts.sack[i].end);
    if (end <= tp.snd_max && end > seq_max(tp.t_sack_high, tp.snd_una)) {
      tp.t_sack_high = end;
      fresh = true;
    }
  }
  return fresh;
}

}  // namespace

bool tcp_input_ack(Inet& in, TcpCb& tp, TcpSegIn& s) {
  TcpStat& st = tcp_globals(in).stat;
  if (s.ack > tp.snd_max) {  // RFC 5961 §5.2: ACK of what we never sent: ACK, drop
    st.rcvacktoomuch++;
    tp.t_flags |= TF_ACKNOW;
    tcp_output(tp);
    return false;
  }
  if (s.ack < tp.snd_una - int64_t(std::max<uint32_t>(tp.max_sndwnd, 1))) {  // too old: challenge
    st.challenge_acks++;
    tcp_respond(in, &tp, s.inc(), tp.snd_max, tp.rcv_nxt, tw::TH_ACK);
    return false;
  }
  if (s.th.opts.nsack && (tp.t_flags & TF_SACK_PERMIT)) tcp_hist_sack(tp, false, s.th.opts.sack, s.th.opts.nsack);
  const uint32_t tiwin = uint32_t(s.th.win) << tp.snd_scale;
  bool ourfinacked = false;
  if (s.ack <= tp.snd_una) {
    // RFC 5681 §2 "duplicate acknowledgment": no data, same window. A
    // segment that carries data still counts when its SACK blocks report
    // new data beyond SND.UNA (RFC 6675 §5's DupThresh by SACKed segments;
    // Linux counts sacked_out), so that bidirectional traffic, whose ACKs
    // ride on data, recovers without waiting for the RTO.
    // Not while probing a zero window (the probe byte is what is
    // outstanding; FreeBSD counts duplicates only with the RTO timer on).
    const bool outstanding = s.ack == tp.snd_una && tp.snd_max != tp.snd_una && !tp.t_persist.armed();
    const bool pure = s.len == 0 && !(s.flags & tw::TH_FIN) && tiwin == tp.snd_wnd;
    if (outstanding && (pure || sack_reports_new(tp, s))) {
      dupack(in, tp, s);
      if (s.len == 0 && !(s.flags & tw::TH_FIN)) return false;
    }
    if (!(tp.t_flags & TF_FASTRECOVERY)) tp.t_dupacks = 0;
  } else {
    ourfinacked = newack(in, tp, s);
  }
  // Window update (RFC 9293 §3.10.7.4: SND.WL1 < SEG.SEQ or (= and SND.WL2 =< SEG.ACK)).
  if (tp.snd_wl1 < s.seq || (tp.snd_wl1 == s.seq && tp.snd_wl2 <= s.ack)) {
    if (s.len == 0 && tp.snd_wl2 == s.ack && tiwin > tp.snd_wnd) st.rcvwinupd++;
    tp.snd_wnd = tiwin;
    tp.snd_wl1 = s.seq;
    tp.snd_wl2 = s.ack;
    tcp_max_sndwnd_update(tp, tp.snd_wnd);
    tcp_hist_peer_window(tp);
    if (tp.snd_wnd > 0 && tp.t_persist.armed()) {
      tcp_timer_stop(tp, tp.t_persist);
      tp.t_persist_shift = 0;
    } else if (tp.snd_wnd == 0 && tp.t_persist.armed()) {
      tcp_persist_arm(tp);  // Linux tcp_ack_probe: the next probe counts from this answer
    }
  }
  if (!ourfinacked) return true;
  Socket& so = *tp_socket(tp);
  switch (tp.t_state) {
    case TcpState::FIN_WAIT_1:
      tcp_set_state(tp, TcpState::FIN_WAIT_2);
      // Linux tcp_fin_timeout: an orphan does not wait in FIN-WAIT-2 forever
      // (TCP_LINGER2 negative: not at all).
      if ((so.so_state & SS_NOFDREF) && tp.t_linger2 < 0) {
        tcp_close(&tp);
        return false;
      }
      if (so.so_state & SS_NOFDREF) tcp_timewait_arm(tp, tcp_fin_time(tp));
      break;
    case TcpState::CLOSING:
      tcp_set_state(tp, TcpState::TIME_WAIT);
      tcp_timewait_arm(tp, kTcpTimeWait);
      soisdisconnected(so);
      break;
    case TcpState::LAST_ACK:
      tcp_close(&tp);
      return false;
    default:
      break;
  }
  return true;
}

}  // namespace tunsock
