// Per-connection history: a fixed ring of the events that explain what a
// TCP connection did (state changes, retransmissions with their cause, RTO
// and backoff, cwnd/ssthresh with the reason, peer window, zero windows,
// SACK blocks, resets with the RFC 9293 rule behind them, and a periodic
// ACK sample for plots). Recording never allocates (the ring lives in the
// control block) and reads only the stack's clock; a sink (the daemon's
// "tcp" logger) sees each event as it is recorded. No FreeBSD counterpart:
// the closest are tcp_log (TCP black box logging) and Linux's tcp_probe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "kern/timer.hpp"
#include "netinet/tcp_fsm.hpp"
#include "wire/tcp.hpp"

namespace tunsock {

struct TcpCb;

inline constexpr size_t kTcpHistoryLen = 256;  // events kept per connection

enum class TcpHistKind : uint8_t {
  kState,        // a = from, b = to (TcpState)
  kRetransmit,   // a = TcpRxtCause, b = TCP flags, v0 = seq, v1 = len, v2 = backoff shift
  kRto,          // the retransmission timer fired: v0 = RTO µs, v1 = shift after, v2 = next timeout µs
  kCwnd,         // a = TcpCwndReason, v0 = cwnd, v1 = ssthresh, v2 = flight size
  kPeerWindow,   // v0 = peer window (scaled), v1 = SND.UNA (right edge = v0 + v1)
  kZeroWindow,   // a = 0 peer's window / 1 our window, b = 1 entered / 0 left, v0 = SND.UNA or RCV.NXT
  kSackRcvd,     // n blocks: v[2i], v[2i+1] = left, right edge
  kSackSent,     // n blocks as above; a = 1 when the first is a D-SACK (RFC 2883)
  kRstSent,      // a = TcpRstRule, v0 = seq, v1 = ack
  kRstRcvd,      // a = TcpRstRule (how it was handled), v0 = seq
  kProbe,        // a = 0 zero-window probe / 1 keepalive, v0 = seq
  kAckSample,    // at most once per SRTT: v0 = SND.UNA, v1 = SND.MAX, v2 = peer window, v3 = cwnd,
                 //   v4 = ssthresh, v5 = SRTT µs, v6 = last RTT sample µs, v7 = RTTVAR µs
};

enum class TcpRxtCause : uint8_t {
  kNone,            // SND.NXT pulled back for another reason
  kRto,             // retransmission timeout (RFC 6298 §5.4), go-back-N after it
  kFastRetransmit,  // third duplicate ACK (RFC 5681 §3.2)
  kPartialAck,      // NewReno partial ACK in recovery (RFC 6582 §3.2 step 4)
  kSynRetry,        // SYN timed out (RFC 6298 §5.7)
  kSynAckRetry,     // SYN-ACK timed out, or the peer's SYN came again
  kPmtu,            // ICMP "fragmentation needed" lowered the MSS (RFC 1191 §6.1)
};

enum class TcpCwndReason : uint8_t {
  kInit,           // the initial window (RFC 6928)
  kSlowStartEnd,   // cwnd reached ssthresh: congestion avoidance (RFC 5681 §3.1)
  kFastRetransmit, // loss by duplicate ACKs (RFC 5681 §3.2 step 2)
  kRto,            // loss by timeout: LW = 1 segment (RFC 5681 §3.1)
  kRtoBackoff,     // another timeout of the same loss
  kRecoveryExit,   // full ACK ends fast recovery (RFC 6582 §3.2 step 3)
  kIdleRestart,    // restart after an idle RTO (RFC 5681 §4.1)
};

// The rule of RFC 9293 (or its companions) that made a reset go, or decided
// what a received one did.
enum class TcpRstRule : uint8_t {
  kListenAck,        // sent: §3.10.7.2, an ACK to a LISTEN socket
  kSynSentBadAck,    // sent: §3.10.7.3, SYN-SENT and the ACK is unacceptable
  kSynRcvdBadAck,    // sent: §3.10.7.4 fifth, SYN-RECEIVED and the ACK is unacceptable
  kAbort,            // sent: §3.10.5 ABORT (SO_LINGER 0, connect(AF_UNSPEC), TCP_LINGER2 < 0)
  kAbortUnread,      // sent: §3.10.4 CLOSE with unread data (RFC 2525 §2.17)
  kTimeout,          // sent: §3.8.3 R2 reached (retransmission, keepalive or probe timeout)
  kDataAfterClose,   // sent: §3.10.7.4 seventh, data for a closed reader (Linux TCPABORTONDATA)
  kRcvdAccepted,     // received: §3.10.7.4 second, SEG.SEQ = RCV.NXT: the connection resets
  kRcvdChallenge,    // received: §3.10.7.4 second with RFC 5961 §3.2: in window, not exact: challenge ACK
  kRcvdSynSent,      // received: §3.10.7.3, acceptable ACK in SYN-SENT: connection refused
  kRcvdIgnored,      // received: §3.10.7.3, no acceptable ACK in SYN-SENT: dropped
  kRcvdOutOfWindow,  // received: §3.10.7.4 first, outside the window: dropped
};

struct TcpHistEvent {
  Time t{0};  // the stack's clock
  TcpHistKind kind = TcpHistKind::kState;
  uint8_t a = 0, b = 0, n = 0;
  uint32_t v[8] = {};
};

// The ring and the little state that keeps it from repeating itself.
struct TcpHistory {
  std::array<TcpHistEvent, kTcpHistoryLen> ev{};
  uint64_t total = 0;          // events ever recorded; the ring holds the last kTcpHistoryLen
  Time start{0};               // the control block's creation
  TcpRxtCause rxt_cause = TcpRxtCause::kNone;  // what the next retransmissions are for
  uint32_t last_wnd = 0;       // peer window last recorded
  uint32_t last_sack_rcvd = 0, last_sack_sent = 0;  // a digest of the last blocks recorded
  Time last_sample{0};
  Time last_rtt{0};            // the last RTT sample (RFC 6298)
  bool peer_zero = false, local_zero = false;

  size_t size() const { return total < kTcpHistoryLen ? size_t(total) : kTcpHistoryLen; }
  // The i-th event kept, oldest first.
  const TcpHistEvent& at(size_t i) const { return ev[(total - size() + i) % kTcpHistoryLen]; }
};

// Sees every event as it is recorded (the daemon logs them); set in
// TcpGlobals::hist_sink. Called from the stack's thread.
class TcpHistorySink {
 public:
  virtual ~TcpHistorySink() = default;
  virtual void tcp_event(const TcpCb& tp, const TcpHistEvent& e) = 0;
};

// --- recording (tcp_history.cpp); each is one line at its hook ---
void tcp_hist_record(TcpCb& tp, const TcpHistEvent& e);
void tcp_hist_state(TcpCb& tp, TcpState from, TcpState to);
void tcp_hist_rexmit(TcpCb& tp, uint32_t seq, uint32_t len, uint8_t flags);
void tcp_hist_rto(TcpCb& tp);
// cwnd or ssthresh moved for reason.
void tcp_hist_cwnd(TcpCb& tp, TcpCwndReason reason);
// After new data was acknowledged: slow start's end, and the periodic sample.
void tcp_hist_ack(TcpCb& tp, bool was_slow_start);
// After the send window was updated: its value (when it moved by an MSS or
// more), and the peer's zero window entered or left.
void tcp_hist_peer_window(TcpCb& tp);
void tcp_hist_local_window(TcpCb& tp, uint32_t win);
void tcp_hist_sack(TcpCb& tp, bool sent, const wire::SackBlock* blocks, int n, bool dsack = false);
void tcp_hist_rst(TcpCb& tp, TcpRstRule rule, uint32_t seq, uint32_t ack);
void tcp_hist_probe(TcpCb& tp, bool keepalive, uint32_t seq);

// --- reading (no TcpCb needed: tunsockctl prints from JSON with these) ---
const char* tcp_hist_kind_name(TcpHistKind k);
const char* tcp_rxt_cause_name(TcpRxtCause c);
const char* tcp_cwnd_reason_name(TcpCwndReason r);
const char* tcp_rst_rule_name(TcpRstRule r);   // e.g. "§3.10.7.2 ACK in LISTEN"
const char* tcp_hist_state_name(TcpState s);   // RFC 9293 names: "SYN-SENT", "CLOSED"
// One line without the time, sequence numbers relative to iss (ours) and
// irs (the peer's) as tcpdump prints them:
//   "retransmit 1449:2897 (1448) cause fast-retransmit backoff 0"
std::string tcp_hist_describe(const TcpHistEvent& e, uint32_t iss, uint32_t irs);

}  // namespace tunsock
