// CUBIC congestion control (RFC 9438), Linux's default ("cubic"), as
// Linux's tcp_cubic with HyStart off: slow start as Reno, then the window
// follows W_cubic(t) = C (t - K)^3 + W_max from the last reduction, never
// slower than the Reno-friendly estimate W_est, with fast convergence.
// Windows are counted in segments here, snd_cwnd stays in bytes (whole
// segments). FreeBSD: netinet/cc/cc_cubic.c; Linux: net/ipv4/tcp_cubic.c.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

constexpr double kC = 0.4;          // RFC 9438 §4.2 C
constexpr double kBeta = 0.7;       // RFC 9438 §4.6 beta_cubic
constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);  // §4.3 alpha_cubic

struct Cubic {
  double w_max = 0;        // segments: the window before the last reduction (§4.7 fast convergence)
  double origin = 0;       // segments: W_cubic's plateau for this epoch
  double k = 0;            // seconds: when W_cubic reaches origin
  double w_est = 0;        // segments: the Reno-friendly estimate (§4.3)
  double cwnd_prior = 0;   // segments: cwnd when ssthresh was last set (§4.3 alpha)
  double acc = 0;          // segments of growth not yet added to snd_cwnd
  Time epoch{0};           // start of this congestion avoidance epoch (0: none)
};
static_assert(sizeof(Cubic) <= sizeof(TcpCb::t_ccpriv));

Cubic& cubic(TcpCb& tp) { return *reinterpret_cast<Cubic*>(tp.t_ccpriv); }
double segs(const TcpCb& tp, uint32_t bytes) { return double(bytes) / double(std::max<uint32_t>(tp.t_maxseg, 1)); }

void cubic_init(TcpCb& tp) {
  cubic(tp) = Cubic{};
  tp.snd_cwnd = tcp_initial_window(tp);
}

// The RTT added to t (§4.2: W_cubic(t + RTT) is the target one RTT ahead);
// Linux uses the least RTT seen.
double rtt_s(const TcpCb& tp) {
  Time r = tp.t_min_rtt != Time::max() ? tp.t_min_rtt : tp.t_srtt;
  return std::chrono::duration<double>(r).count();
}

void cubic_ack_received(TcpCb& tp, uint32_t acked) {
  if (tp.snd_cwnd < tp.snd_ssthresh) {
    // Slow start as Reno (RFC 5681 §3.1, byte counting; no HyStart).
    tp.snd_cwnd = std::min(tp.snd_cwnd + acked, std::max(tp.snd_ssthresh, tp.snd_cwnd + tp.t_maxseg));
    return;
  }
  Cubic& c = cubic(tp);
  const Time now = tp.t_in->st.now();
  const double cwnd = segs(tp, tp.snd_cwnd);
  if (c.epoch == Time{0}) {
    // §4.2: a new epoch. Below the old maximum the curve climbs back to it
    // (concave), else it starts its plateau here (convex from now on).
    c.epoch = now;
    c.acc = 0;
    if (cwnd < c.w_max) {
      c.origin = c.w_max;
      c.k = std::cbrt((c.w_max - cwnd) / kC);
    } else {
      c.origin = cwnd;
      c.k = 0;
    }
    c.w_est = cwnd;
  }
  const double t = std::chrono::duration<double>(now - c.epoch).count() + rtt_s(tp);
  double target = c.origin + kC * (t - c.k) * (t - c.k) * (t - c.k);
  // §4.4-4.5: at most 1.5 cwnd per RTT, never a decrease here.
  target = std::clamp(target, cwnd, 1.5 * cwnd);
  // §4.3: the Reno-friendly region. W_est grows as AIMD with alpha_cubic
  // (1 once past the old maximum); when it is ahead, cwnd follows it.
  const double acked_segs = segs(tp, acked);
  const double alpha = c.w_est >= c.cwnd_prior ? 1.0 : kAlpha;
  c.w_est += alpha * acked_segs / cwnd;
  if (c.w_est > target) target = std::min(c.w_est, 1.5 * cwnd);
  // (target - cwnd) / cwnd segments for each segment acknowledged.
  c.acc += (target - cwnd) / cwnd * acked_segs;
  for (int i = 0; i < 1 << 16 && c.acc >= 1.0; ++i) {
    c.acc -= 1.0;
    tp.snd_cwnd += tp.t_maxseg;
  }
}

void cubic_cong_signal(TcpCb& tp, CcSignal sig) {
  Cubic& c = cubic(tp);
  if (sig == CcSignal::kRto) {
    // Linux bictcp_state(TCP_CA_Loss): the algorithm starts over; the
    // window falls to one segment (RFC 5681 §3.1) under a reduced ssthresh.
    const uint32_t cwnd = tp.snd_cwnd;
    c = Cubic{};
    tp.snd_ssthresh = std::max(uint32_t(cwnd * kBeta) / tp.t_maxseg * tp.t_maxseg, 2 * tp.t_maxseg);
    tp.snd_cwnd = tp.t_maxseg;
    tp.t_bytes_acked = 0;
    return;
  }
  const double cwnd = segs(tp, tp.snd_cwnd);
  // §4.7 fast convergence: a flow that lost again below its old maximum
  // gives way to newer flows.
  c.w_max = cwnd < c.w_max ? cwnd * (1.0 + kBeta) / 2.0 : cwnd;
  c.cwnd_prior = cwnd;
  c.epoch = Time{0};
  // §4.6: ssthresh = cwnd * beta_cubic, at least 2 segments.
  const uint32_t ss = uint32_t(cwnd * kBeta) * tp.t_maxseg;
  tp.snd_ssthresh = std::max(ss, 2 * tp.t_maxseg);
  tp.snd_cwnd = tp.snd_ssthresh;  // inflated by the caller (RFC 6582 §3.2 step 2)
  tp.t_bytes_acked = 0;
}

void cubic_post_recovery(TcpCb& tp) {
  // As NewReno: deflate to ssthresh without a burst; the next ACK starts
  // the epoch (§4.2).
  tp.snd_cwnd = std::min(tp.snd_ssthresh, tcp_flight_size(tp) + tp.t_maxseg);
  tp.snd_cwnd = std::max(tp.snd_cwnd, tp.t_maxseg);
  cubic(tp).epoch = Time{0};
}

void cubic_after_idle(TcpCb& tp) {
  // RFC 5681 §4.1 restart window; the curve starts a new epoch, since
  // time spent idle must not count as growth (Linux CA_EVENT_TX_START).
  tp.snd_cwnd = std::min(tp.snd_cwnd, tcp_initial_window(tp));
  cubic(tp).epoch = Time{0};
}

}  // namespace

extern const TcpCcOps kTcpCubic;
const TcpCcOps kTcpCubic{
    .name = "cubic",
    .cc_init = cubic_init,
    .cc_destroy = nullptr,
    .cc_ack_received = cubic_ack_received,
    .cc_cong_signal = cubic_cong_signal,
    .cc_post_recovery = cubic_post_recovery,
    .cc_after_idle = cubic_after_idle,
};

}  // namespace tunsock
