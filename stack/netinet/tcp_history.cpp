// Per-connection history (see tcp_history.hpp): recording into the control
// block's ring, the rules that keep it from repeating itself (a window or a
// SACK set is recorded when it changes, the ACK sample once per SRTT), and
// the one-line description the daemon's log and tunsockctl print.
// No FreeBSD counterpart (tcp_log's black box is the nearest).
#include "netinet/tcp_history.hpp"

#include <algorithm>
#include <cstdio>

#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

uint32_t usec(Time t) { return uint32_t(std::clamp<int64_t>(t.count() / 1000, 0, INT32_MAX)); }

uint32_t sack_digest(const wire::SackBlock* b, int n) {
  uint32_t h = 2166136261u ^ uint32_t(n);
  for (int i = 0; i < n; ++i) h = (h ^ b[i].start) * 16777619u, h = (h ^ b[i].end) * 16777619u;
  return h;
}

}  // namespace

void tcp_hist_record(TcpCb& tp, const TcpHistEvent& e) {
  TcpHistory& h = tp.t_hist;
  TcpHistEvent& slot = h.ev[h.total % kTcpHistoryLen];
  slot = e;
  slot.t = tp.t_in->st.now();
  h.total++;
  if (TcpHistorySink* sink = tcp_globals(*tp.t_in).hist_sink) sink->tcp_event(tp, slot);
}

void tcp_hist_state(TcpCb& tp, TcpState from, TcpState to) {
  if (from == to) return;
  TcpHistEvent e;
  e.kind = TcpHistKind::kState;
  e.a = uint8_t(from);
  e.b = uint8_t(to);
  tcp_hist_record(tp, e);
}

void tcp_hist_rexmit(TcpCb& tp, uint32_t seq, uint32_t len, uint8_t flags) {
  TcpHistEvent e;
  e.kind = TcpHistKind::kRetransmit;
  e.a = uint8_t(tp.t_hist.rxt_cause);
  e.b = flags;
  e.v[0] = seq;
  e.v[1] = len;
  e.v[2] = uint32_t(tp.t_rxtshift);
  tcp_hist_record(tp, e);
}

void tcp_hist_rto(TcpCb& tp) {
  TcpHistEvent e;
  e.kind = TcpHistKind::kRto;
  e.v[0] = usec(tp.t_rto);
  e.v[1] = uint32_t(tp.t_rxtshift);
  e.v[2] = usec(tcp_rto_backoff(tp));
  tcp_hist_record(tp, e);
}

void tcp_hist_cwnd(TcpCb& tp, TcpCwndReason reason) {
  TcpHistEvent e;
  e.kind = TcpHistKind::kCwnd;
  e.a = uint8_t(reason);
  e.v[0] = tp.snd_cwnd;
  e.v[1] = tp.snd_ssthresh;
  e.v[2] = uint32_t(std::max(0, tp.snd_max - tp.snd_una));
  tcp_hist_record(tp, e);
}

void tcp_hist_ack(TcpCb& tp, bool was_slow_start) {
  TcpHistory& h = tp.t_hist;
  if (was_slow_start && tp.snd_cwnd >= tp.snd_ssthresh) tcp_hist_cwnd(tp, TcpCwndReason::kSlowStartEnd);
  const Time now = tp.t_in->st.now();
  // Once per SRTT, and whenever everything sent is acknowledged (so a
  // plot's ACK line ends where the data did).
  if (h.last_sample != Time{0} && now - h.last_sample < std::max<Time>(tp.t_srtt, std::chrono::milliseconds(1)) &&
      tp.snd_una != tp.snd_max)
    return;
  h.last_sample = now;
  TcpHistEvent e;
  e.kind = TcpHistKind::kAckSample;
  e.v[0] = tp.snd_una.v;
  e.v[1] = tp.snd_max.v;
  e.v[2] = tp.snd_wnd;
  e.v[3] = tp.snd_cwnd;
  e.v[4] = tp.snd_ssthresh;
  e.v[5] = usec(tp.t_srtt);
  e.v[6] = usec(h.last_rtt);
  e.v[7] = usec(tp.t_rttvar);
  tcp_hist_record(tp, e);
}

void tcp_hist_peer_window(TcpCb& tp) {
  TcpHistory& h = tp.t_hist;
  const uint32_t w = tp.snd_wnd;
  if ((w == 0) != h.peer_zero) {
    h.peer_zero = w == 0;
    TcpHistEvent z;
    z.kind = TcpHistKind::kZeroWindow;
    z.a = 0;
    z.b = h.peer_zero;
    z.v[0] = tp.snd_una.v;
    tcp_hist_record(tp, z);
  }
  const uint32_t moved = w > h.last_wnd ? w - h.last_wnd : h.last_wnd - w;
  // A window that moves with every ACK is recorded when it moved by a
  // quarter (at least an MSS) since the last record.
  if (moved < std::max<uint32_t>({tp.t_maxseg, h.last_wnd / 4, 1}) && (w == 0) == (h.last_wnd == 0)) return;
  h.last_wnd = w;
  TcpHistEvent e;
  e.kind = TcpHistKind::kPeerWindow;
  e.v[0] = w;
  e.v[1] = tp.snd_una.v;
  tcp_hist_record(tp, e);
}

void tcp_hist_local_window(TcpCb& tp, uint32_t win) {
  TcpHistory& h = tp.t_hist;
  if ((win == 0) == h.local_zero) return;
  h.local_zero = win == 0;
  TcpHistEvent e;
  e.kind = TcpHistKind::kZeroWindow;
  e.a = 1;
  e.b = h.local_zero;
  e.v[0] = tp.rcv_nxt.v;
  tcp_hist_record(tp, e);
}

void tcp_hist_sack(TcpCb& tp, bool sent, const wire::SackBlock* blocks, int n, bool dsack) {
  TcpHistory& h = tp.t_hist;
  n = std::clamp(n, 0, 4);
  const uint32_t d = sack_digest(blocks, n);
  uint32_t& last = sent ? h.last_sack_sent : h.last_sack_rcvd;
  if (n == 0 || d == last) return;
  last = d;
  TcpHistEvent e;
  e.kind = sent ? TcpHistKind::kSackSent : TcpHistKind::kSackRcvd;
  e.a = dsack;
  e.n = uint8_t(n);
  for (int i = 0; i < n; ++i) {
    e.v[2 * i] = blocks[i].start;
    e.v[2 * i + 1] = blocks[i].end;
  }
  tcp_hist_record(tp, e);
}

void tcp_hist_rst(TcpCb& tp, TcpRstRule rule, uint32_t seq, uint32_t ack) {
  TcpHistEvent e;
  e.kind = rule >= TcpRstRule::kRcvdAccepted ? TcpHistKind::kRstRcvd : TcpHistKind::kRstSent;
  e.a = uint8_t(rule);
  e.v[0] = seq;
  e.v[1] = ack;
  tcp_hist_record(tp, e);
}

void tcp_hist_probe(TcpCb& tp, bool keepalive, uint32_t seq) {
  TcpHistEvent e;
  e.kind = TcpHistKind::kProbe;
  e.a = keepalive;
  e.v[0] = seq;
  tcp_hist_record(tp, e);
}

const char* tcp_hist_kind_name(TcpHistKind k) {
  switch (k) {
    case TcpHistKind::kState: return "state";
    case TcpHistKind::kRetransmit: return "retransmit";
    case TcpHistKind::kRto: return "rto";
    case TcpHistKind::kCwnd: return "cwnd";
    case TcpHistKind::kPeerWindow: return "peer-window";
    case TcpHistKind::kZeroWindow: return "zero-window";
    case TcpHistKind::kSackRcvd: return "sack-rcvd";
    case TcpHistKind::kSackSent: return "sack-sent";
    case TcpHistKind::kRstSent: return "rst-sent";
    case TcpHistKind::kRstRcvd: return "rst-rcvd";
    case TcpHistKind::kProbe: return "probe";
    case TcpHistKind::kAckSample: return "ack";
  }
  return "?";
}

const char* tcp_rxt_cause_name(TcpRxtCause c) {
  switch (c) {
    case TcpRxtCause::kNone: return "other";
    case TcpRxtCause::kRto: return "rto";
    case TcpRxtCause::kFastRetransmit: return "fast-retransmit";
    case TcpRxtCause::kPartialAck: return "partial-ack";
    case TcpRxtCause::kSynRetry: return "syn-retry";
    case TcpRxtCause::kSynAckRetry: return "synack-retry";
    case TcpRxtCause::kPmtu: return "pmtu";
  }
  return "?";
}

const char* tcp_cwnd_reason_name(TcpCwndReason r) {
  switch (r) {
    case TcpCwndReason::kInit: return "init";
    case TcpCwndReason::kSlowStartEnd: return "slow-start-end";
    case TcpCwndReason::kFastRetransmit: return "loss-fast-retransmit";
    case TcpCwndReason::kRto: return "loss-rto";
    case TcpCwndReason::kRtoBackoff: return "rto-backoff";
    case TcpCwndReason::kRecoveryExit: return "recovery-exit";
    case TcpCwndReason::kIdleRestart: return "idle-restart";
  }
  return "?";
}

const char* tcp_rst_rule_name(TcpRstRule r) {
  switch (r) {
    case TcpRstRule::kListenAck: return "RFC 9293 §3.10.7.2 (ACK in LISTEN)";
    case TcpRstRule::kSynSentBadAck: return "RFC 9293 §3.10.7.3 (unacceptable ACK in SYN-SENT)";
    case TcpRstRule::kSynRcvdBadAck: return "RFC 9293 §3.10.7.4 (unacceptable ACK in SYN-RECEIVED)";
    case TcpRstRule::kAbort: return "RFC 9293 §3.10.5 (ABORT)";
    case TcpRstRule::kAbortUnread: return "RFC 9293 §3.10.4 (CLOSE with unread data, RFC 2525 §2.17)";
    case TcpRstRule::kTimeout: return "RFC 9293 §3.8.3 (R2 timeout)";
    case TcpRstRule::kDataAfterClose: return "RFC 9293 §3.10.7.4 (data after close)";
    case TcpRstRule::kRcvdAccepted: return "RFC 9293 §3.10.7.4 (in sequence: reset)";
    case TcpRstRule::kRcvdChallenge: return "RFC 9293 §3.10.7.4, RFC 5961 §3.2 (not exact: challenge ACK)";
    case TcpRstRule::kRcvdSynSent: return "RFC 9293 §3.10.7.3 (SYN-SENT: refused)";
    case TcpRstRule::kRcvdIgnored: return "RFC 9293 §3.10.7.3 (no acceptable ACK: ignored)";
    case TcpRstRule::kRcvdOutOfWindow: return "RFC 9293 §3.10.7.4 (out of window: ignored)";
  }
  return "?";
}

const char* tcp_hist_state_name(TcpState s) {
  switch (s) {
    case TcpState::CLOSED: return "CLOSED";
    case TcpState::LISTEN: return "LISTEN";
    case TcpState::SYN_SENT: return "SYN-SENT";
    case TcpState::SYN_RECEIVED: return "SYN-RECEIVED";
    case TcpState::ESTABLISHED: return "ESTABLISHED";
    case TcpState::CLOSE_WAIT: return "CLOSE-WAIT";
    case TcpState::FIN_WAIT_1: return "FIN-WAIT-1";
    case TcpState::CLOSING: return "CLOSING";
    case TcpState::LAST_ACK: return "LAST-ACK";
    case TcpState::FIN_WAIT_2: return "FIN-WAIT-2";
    case TcpState::TIME_WAIT: return "TIME-WAIT";
  }
  return "?";
}

std::string tcp_hist_describe(const TcpHistEvent& e, uint32_t iss, uint32_t irs) {
  char buf[256];
  const uint32_t* v = e.v;
  auto ours = [&](uint32_t s) { return s - iss; };
  auto theirs = [&](uint32_t s) { return s - irs; };
  auto ssthresh = [](uint32_t s) { return s >= 0x7fffffff ? std::string("inf") : std::to_string(s); };
  const char* kind = tcp_hist_kind_name(e.kind);
  switch (e.kind) {
    case TcpHistKind::kState:
      std::snprintf(buf, sizeof buf, "state %s -> %s", tcp_hist_state_name(TcpState(e.a)),
                    tcp_hist_state_name(TcpState(e.b)));
      break;
    case TcpHistKind::kRetransmit:
      std::snprintf(buf, sizeof buf, "retransmit %u:%u (%u)%s%s%s cause %s backoff %u", ours(v[0]),
                    ours(v[0]) + v[1], v[1], (e.b & wire::TH_SYN) ? " SYN" : "", (e.b & wire::TH_FIN) ? " FIN" : "",
                    (e.b & wire::TH_ACK) && (e.b & wire::TH_SYN) ? "-ACK" : "",
                    tcp_rxt_cause_name(TcpRxtCause(e.a)), v[2]);
      break;
    case TcpHistKind::kRto:
      std::snprintf(buf, sizeof buf, "rto fired: rto %.3f ms backoff %u next %.3f ms", v[0] / 1e3, v[1], v[2] / 1e3);
      break;
    case TcpHistKind::kCwnd:
      std::snprintf(buf, sizeof buf, "cwnd %u ssthresh %s flight %u (%s)", v[0], ssthresh(v[1]).c_str(), v[2],
                    tcp_cwnd_reason_name(TcpCwndReason(e.a)));
      break;
    case TcpHistKind::kPeerWindow:
      std::snprintf(buf, sizeof buf, "peer-window %u (right edge %u)", v[0], ours(v[1]) + v[0]);
      break;
    case TcpHistKind::kZeroWindow:
      std::snprintf(buf, sizeof buf, "zero-window %s %s at %u", e.a ? "ours" : "peer's", e.b ? "entered" : "left",
                    e.a ? theirs(v[0]) : ours(v[0]));
      break;
    case TcpHistKind::kSackRcvd:
    case TcpHistKind::kSackSent: {
      int o = std::snprintf(buf, sizeof buf, "%s%s", kind, e.a ? " D-SACK" : "");
      for (int i = 0; i < e.n && i < 4 && o < int(sizeof buf); ++i) {
        const bool mine = e.kind == TcpHistKind::kSackRcvd;
        const uint32_t l = mine ? ours(v[2 * i]) : theirs(v[2 * i]), r = mine ? ours(v[2 * i + 1]) : theirs(v[2 * i + 1]);
        o += std::snprintf(buf + o, sizeof buf - size_t(o), " %u:%u", l, r);
      }
      break;
    }
    case TcpHistKind::kRstSent:
      std::snprintf(buf, sizeof buf, "rst-sent seq %u ack %u by %s", ours(v[0]), theirs(v[1]),
                    tcp_rst_rule_name(TcpRstRule(e.a)));
      break;
    case TcpHistKind::kRstRcvd:
      std::snprintf(buf, sizeof buf, "rst-rcvd seq %u by %s", theirs(v[0]), tcp_rst_rule_name(TcpRstRule(e.a)));
      break;
    case TcpHistKind::kProbe:
      std::snprintf(buf, sizeof buf, "probe %s seq %u", e.a ? "keepalive" : "zero-window", ours(v[0]));
      break;
    case TcpHistKind::kAckSample:
      std::snprintf(buf, sizeof buf, "ack una %u sent %u wnd %u cwnd %u ssthresh %s srtt %.3f ms rtt %.3f ms",
                    ours(v[0]), ours(v[1]), v[2], v[3], ssthresh(v[4]).c_str(), v[5] / 1e3, v[6] / 1e3);
      break;
  }
  return buf;
}

}  // namespace tunsock
