// NewReno congestion control (RFC 5681 §3.1-3.2, RFC 6582) and the table of
// algorithms TCP_CONGESTION chooses from (CUBIC, the default, in tcp_cubic.cpp). Fast retransmit and the partial-ACK
// logic of recovery live in tcp_input.cpp; here only the window arithmetic.
// FreeBSD: netinet/cc/cc_newreno.c; Linux: net/ipv4/tcp_cong.c (reno).
#include "netinet/tcp_cc.hpp"

#include <algorithm>
#include <cstring>

#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

void newreno_init(TcpCb& tp) { tp.snd_cwnd = tcp_initial_window(tp); }

void newreno_ack_received(TcpCb& tp, uint32_t acked) {
  if (tp.snd_cwnd < tp.snd_ssthresh) {
    // Slow start: one MSS per MSS acknowledged (RFC 5681 §3.1, with
    // RFC 3465's byte counting), not past ssthresh in one step (Linux).
    tp.snd_cwnd = std::min(tp.snd_cwnd + acked, std::max(tp.snd_ssthresh, tp.snd_cwnd + tp.t_maxseg));
    return;
  }
  // Congestion avoidance: one MSS per window's worth of acknowledged bytes.
  tp.t_bytes_acked += acked;
  if (tp.t_bytes_acked >= tp.snd_cwnd) {
    tp.t_bytes_acked -= tp.snd_cwnd;
    tp.snd_cwnd += tp.t_maxseg;
  }
}

void newreno_cong_signal(TcpCb& tp, CcSignal sig) {
  // RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS).
  tp.snd_ssthresh = std::max(tcp_flight_size(tp) / 2, 2 * tp.t_maxseg);
  tp.t_bytes_acked = 0;
  if (sig == CcSignal::kRto) tp.snd_cwnd = tp.t_maxseg;  // RFC 5681 §3.1: LW = 1 segment
  else tp.snd_cwnd = tp.snd_ssthresh;                    // inflated by the caller (RFC 6582 §3.2 step 2)
}

void newreno_post_recovery(TcpCb& tp) {
  // RFC 6582 §3.2 step 3, option (1) with its guard against a burst.
  tp.snd_cwnd = std::min(tp.snd_ssthresh, tcp_flight_size(tp) + tp.t_maxseg);
  tp.snd_cwnd = std::max(tp.snd_cwnd, tp.t_maxseg);
}

void newreno_after_idle(TcpCb& tp) { tp.snd_cwnd = std::min(tp.snd_cwnd, tcp_initial_window(tp)); }

const TcpCcOps kNewReno{
    .name = "reno",
    .cc_init = newreno_init,
    .cc_destroy = nullptr,
    .cc_ack_received = newreno_ack_received,
    .cc_cong_signal = newreno_cong_signal,
    .cc_post_recovery = newreno_post_recovery,
    .cc_after_idle = newreno_after_idle,
};

}  // namespace

extern const TcpCcOps kTcpCubic;

namespace {
const TcpCcOps* const kAlgorithms[] = {&kTcpCubic, &kNewReno};
}  // namespace

// Linux's default (net.ipv4.tcp_congestion_control on a kernel whose
// distribution did not choose another).
const TcpCcOps* tcp_cc_default() { return &kTcpCubic; }

void tcp_cc_switch(TcpCb& tp, const TcpCcOps* cc) {
  if (cc == tp.t_cc) return;
  if (tp.t_cc && tp.t_cc->cc_destroy) tp.t_cc->cc_destroy(tp);
  std::memset(tp.t_ccpriv, 0, sizeof tp.t_ccpriv);
  tp.t_cc = cc;
}

const TcpCcOps* tcp_cc_find(std::string_view name) {
  for (const TcpCcOps* a : kAlgorithms)
    if (name == a->name) return a;
  return nullptr;
}

uint32_t tcp_flight_size(const TcpCb& tp) { return uint32_t(std::max(0, tp.snd_max - tp.snd_una)); }

uint32_t tcp_initial_window(const TcpCb& tp) { return kTcpInitCwnd * tp.t_maxseg; }

}  // namespace tunsock
