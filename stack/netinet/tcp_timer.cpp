// TCP timers, one fixed slot each in the control block: retransmission
// (RFC 6298, Karn, exponential backoff, Linux's 200 ms floor and 120 s cap,
// tcp_retries2 / tcp_syn_retries / TCP_USER_TIMEOUT give up with ETIMEDOUT),
// persist (zero-window probes, RFC 9293 §3.8.6.1), keepalive (RFC 1122
// §4.2.3.6 with Linux's knobs), delayed ACK (RFC 1122 §4.2.3.2) and 2MSL.
// FreeBSD: netinet/tcp_timer.c; Linux: net/ipv4/tcp_timer.c.
#include <algorithm>
#include <cerrno>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

Stack& stack_of(TcpCb& tp) { return tp.t_in->st; }
TcpStat& stat_of(TcpCb& tp) { return tcp_globals(*tp.t_in).stat; }

int ilog2(int64_t v) {
  int r = 0;
  while (v > 1) v >>= 1, r++;
  return r;
}

// SYN-ACK of an embryonic connection, SYN of a connect, or data/FIN.
void tcp_timer_rexmt(void* arg) {
  TcpCb& tp = *static_cast<TcpCb*>(arg);
  TcpStat& s = stat_of(tp);
  s.rexmttimeo++;
  const Time now = stack_of(tp).now();
  if (tp.t_rxtshift == 0) tp.t_rxt_first = now - tcp_rto_backoff(tp);
  bool give_up;
  if (tp.t_state == TcpState::SYN_SENT) {
    give_up = tcp_retransmits_timed_out(tp, tp.t_syn_retries ? tp.t_syn_retries : kTcpSynRetries, kTcpTimeoutInit);
  } else if (tp.t_state == TcpState::SYN_RECEIVED && tp_socket(tp)->so_head) {
    give_up = false;
    const SynackTimeout what = tcp_synack_timeout(tp);  // tcp_subr.cpp (TCP_DEFER_ACCEPT)
    if (what == SynackTimeout::kExpire) {
      s.conndrops++;
      return tcp_close(&tp);  // Linux drops the request silently
    }
    if (what == SynackTimeout::kWait) {
      tp.t_rxtshift++;
      return tcp_rexmt_arm(tp);
    }
  } else {
    give_up = tcp_retransmits_timed_out(tp, kTcpRetries2, kTcpRtoMin);
  }
  if (give_up) {
    s.timeoutdrop++;
    return tcp_drop(&tp, ETIMEDOUT, true, TcpRstRule::kTimeout);
  }
  // RFC 5681 §3.1 (4): ssthresh only for the first timeout of a series.
  const bool first = tp.t_rxtshift == 0;
  if (first && tcps_have_established(tp.t_state)) tp.t_cc->cc_cong_signal(tp, CcSignal::kRto);
  else if (tcps_have_established(tp.t_state)) tp.snd_cwnd = tp.t_maxseg;
  tp.t_rxtshift++;
  tp.t_hist.rxt_cause = tp.t_state == TcpState::SYN_SENT       ? TcpRxtCause::kSynRetry
                        : tp.t_state == TcpState::SYN_RECEIVED ? TcpRxtCause::kSynAckRetry
                                                               : TcpRxtCause::kRto;
  tcp_hist_rto(tp);
  if (tcps_have_established(tp.t_state)) tcp_hist_cwnd(tp, first ? TcpCwndReason::kRto : TcpCwndReason::kRtoBackoff);
  tp.t_flags &= ~TF_FASTRECOVERY;
  tp.t_dupacks = 0;
  tp.t_ca_state = 4;                            // TCP_CA_Loss
  tp.t_rtttime = Time{0};                       // Karn: never time a retransmission
  tp.snd_recover = tp.snd_max;
  tp.snd_nxt = tp.snd_una;
  tp.t_flags &= ~TF_SENTFIN;                    // the FIN goes again with the data before it
  tcp_output(tp);
}

void tcp_timer_persist(void* arg) {
  TcpCb& tp = *static_cast<TcpCb*>(arg);
  TcpStat& s = stat_of(tp);
  s.persisttimeo++;
  const Time now = stack_of(tp).now();
  // Linux tcp_probe_timer: TCP_USER_TIMEOUT bounds how long a peer may keep
  // its window shut without any answer.
  if (tp.t_user_timeout_ms && now - tp.t_rcvtime >= std::chrono::milliseconds(tp.t_user_timeout_ms)) {
    s.timeoutdrop++;
    return tcp_drop(&tp, ETIMEDOUT, true, TcpRstRule::kTimeout);
  }
  tp.t_flags |= TF_FORCEDATA;
  tcp_output(tp);
  tp.t_flags &= ~TF_FORCEDATA;
  if (tp.t_persist_shift < 16) tp.t_persist_shift++;
  if (!tp.t_persist.armed() && !tp.t_rexmt.armed() && tp.snd_wnd == 0) tcp_persist_arm(tp);
}

void tcp_timer_keep(void* arg) {
  TcpCb& tp = *static_cast<TcpCb*>(arg);
  Socket& so = *tp_socket(tp);
  TcpStat& s = stat_of(tp);
  const Time now = stack_of(tp).now();
  const bool busy = tp.snd_max != tp.snd_una || so.so_snd.sb_cc > 0;
  if (!(so.so_options & SOF_KEEPALIVE) || !tcps_have_established(tp.t_state) || tp.t_state > TcpState::CLOSE_WAIT ||
      busy) {
    tcp_timer_arm(tp, tp.t_keep, now + std::chrono::seconds(busy ? tp.t_keepintvl : tp.t_keepidle));
    return;
  }
  s.keeptimeo++;
  const Time idle = now - tp.t_rcvtime;
  const Time keepidle = std::chrono::seconds(tp.t_keepidle);
  if (idle < keepidle) {
    tcp_timer_arm(tp, tp.t_keep, now + (keepidle - idle));
    return;
  }
  // Linux tcp_keepalive_timer: TCP_USER_TIMEOUT, else TCP_KEEPCNT probes.
  const bool dead = tp.t_user_timeout_ms
                        ? (idle >= std::chrono::milliseconds(tp.t_user_timeout_ms) && tp.t_keep_probes > 0)
                        : tp.t_keep_probes >= tp.t_keepcnt;
  if (dead) {
    s.keepdrops++;
    return tcp_drop(&tp, ETIMEDOUT, true, TcpRstRule::kTimeout);
  }
  // RFC 1122 §4.2.3.6: a segment the peer must answer, SEG.SEQ = SND.NXT - 1.
  s.keepprobe++;
  tcp_hist_probe(tp, true, (tp.snd_una - 1).v);
  tcp_respond(tp, tp.snd_una - 1, tp.rcv_nxt, tw::TH_ACK);
  tp.t_keep_probes++;
  tcp_timer_arm(tp, tp.t_keep, now + std::chrono::seconds(tp.t_keepintvl));
}

void tcp_timer_delack(void* arg) {
  TcpCb& tp = *static_cast<TcpCb*>(arg);
  stat_of(tp).delack++;
  // Linux tcp_delack_timer_handler: a delayed ACK that missed its ride
  // inflates the ATO (bulk), or leaves pingpong mode with the ATO deflated.
  if (tp.t_pingpong) {
    tp.t_pingpong = false;
    tp.t_ato = kTcpDelackMin;
  } else {
    tp.t_ato = std::min(2 * tp.t_ato, tp.t_rto);
  }
  tp.t_flags |= TF_ACKNOW;
  tcp_output(tp);
}

void tcp_timer_2msl(void* arg) {
  TcpCb& tp = *static_cast<TcpCb*>(arg);
  tcp_close(&tp);
}

}  // namespace

void tcp_timers_init(TcpCb& tp) {
  tp.t_rexmt.fn = tcp_timer_rexmt;
  tp.t_persist.fn = tcp_timer_persist;
  tp.t_keep.fn = tcp_timer_keep;
  tp.t_delack.fn = tcp_timer_delack;
  tp.t_2msl.fn = tcp_timer_2msl;
  tp.t_rexmt.arg = tp.t_persist.arg = tp.t_keep.arg = tp.t_delack.arg = tp.t_2msl.arg = &tp;
}

void tcp_timers_stop(TcpCb& tp) {
  tcp_timer_stop(tp, tp.t_rexmt);
  tcp_timer_stop(tp, tp.t_persist);
  tcp_timer_stop(tp, tp.t_keep);
  tcp_timer_stop(tp, tp.t_delack);
  tcp_timer_stop(tp, tp.t_2msl);
}

Time tcp_rto_backoff(const TcpCb& tp) {
  Time rto = tp.t_rto;
  for (int i = 0; i < tp.t_rxtshift && rto < kTcpRtoMax; ++i) rto *= 2;
  return std::min(rto, kTcpRtoMax);
}

void tcp_rexmt_arm(TcpCb& tp) {
  tcp_timer_stop(tp, tp.t_persist);
  tcp_timer_arm(tp, tp.t_rexmt, stack_of(tp).now() + tcp_rto_backoff(tp));
}

void tcp_persist_arm(TcpCb& tp) {
  // RFC 9293 §3.8.6.1 with Linux's pacing: the RTO, doubled per probe, at
  // most TCP_RTO_MAX, at least the RTO floor.
  Time t = std::max(tp.t_rto, kTcpRtoMin);
  for (int i = 0; i < tp.t_persist_shift && t < kTcpRtoMax; ++i) t *= 2;
  tcp_timer_arm(tp, tp.t_persist, stack_of(tp).now() + std::min(t, kTcpRtoMax));
}

void tcp_keep_arm(TcpCb& tp) {
  tcp_timer_arm(tp, tp.t_keep, stack_of(tp).now() + std::chrono::seconds(tp.t_keepidle));
}

void tcp_delack_arm(TcpCb& tp) {
  // Linux tcp_send_delayed_ack: the ATO (tcp_input follows it), above its
  // minimum bounded by TCP_DELACK_MAX and by the smoothed RTT.
  Time ato = std::max(tp.t_ato, kTcpDelackMin);
  if (ato > kTcpDelackMin) {
    Time max_ato = kTcpDelackMax;
    if (tp.t_srtt > Time{0}) max_ato = std::min(max_ato, std::max(tp.t_srtt, kTcpDelackMin));
    ato = std::min(ato, max_ato);
  }
  if (!tp.t_delack.armed()) tcp_timer_arm(tp, tp.t_delack, stack_of(tp).now() + ato);
}

void tcp_timewait_arm(TcpCb& tp, Time len) {
  tcp_timer_stop(tp, tp.t_rexmt);
  tcp_timer_stop(tp, tp.t_persist);
  tcp_timer_stop(tp, tp.t_keep);
  tcp_timer_stop(tp, tp.t_delack);
  tcp_timer_arm(tp, tp.t_2msl, stack_of(tp).now() + len);
}

void tcp_rtt_sample(TcpCb& tp, Time r) {
  TcpStat& s = stat_of(tp);
  s.rttupdated++;
  if (r < Time{1000}) r = Time{1000};
  tp.t_hist.last_rtt = r;
  tp.t_min_rtt = std::min(tp.t_min_rtt, r);
  if (tp.t_srtt == Time{0}) {  // RFC 6298 §2.2
    tp.t_srtt = r;
    tp.t_rttvar = r / 2;
  } else {                     // §2.3, alpha 1/8, beta 1/4
    Time delta = tp.t_srtt > r ? tp.t_srtt - r : r - tp.t_srtt;
    tp.t_rttvar = (3 * tp.t_rttvar + delta) / 4;
    tp.t_srtt = (7 * tp.t_srtt + r) / 8;
  }
  // Linux tcp_set_rto: SRTT + max(4 * RTTVAR, TCP_RTO_MIN), at most TCP_RTO_MAX.
  tp.t_rto = std::min(tp.t_srtt + std::max(4 * tp.t_rttvar, kTcpRtoMin), kTcpRtoMax);
  tp.t_rxtshift = 0;
}

bool tcp_retransmits_timed_out(const TcpCb& tp, int boundary, Time rto_base) {
  if (tp.t_rxt_first == Time{0} && tp.t_rxtshift == 0) return false;
  const Time elapsed = tp.t_in->st.now() - tp.t_rxt_first;
  if (tp.t_user_timeout_ms) return elapsed >= std::chrono::milliseconds(tp.t_user_timeout_ms);
  // Linux tcp_model_timeout: doubling up to TCP_RTO_MAX, then linear.
  const int thresh = ilog2(kTcpRtoMax / rto_base);
  Time timeout = boundary <= thresh ? ((2 << boundary) - 1) * rto_base
                                    : ((2 << thresh) - 1) * rto_base + (boundary - thresh) * kTcpRtoMax;
  return elapsed >= timeout;
}

}  // namespace tunsock
