// Congestion control behind an interface (FreeBSD's cc_algo, Linux's
// tcp_congestion_ops): tcp_input and tcp_timer report events, the algorithm
// moves snd_cwnd and snd_ssthresh. "cubic" (RFC 9438, as Linux's tcp_cubic
// with HyStart off) is the default, as on Linux; NewReno (RFC 5681, RFC 6582)
// is "reno", as Linux names it. An algorithm keeps its per-connection state
// in TcpCb::t_ccpriv (Linux icsk_ca_priv), zeroed when it takes over.
// FreeBSD: netinet/cc/cc.h, cc_newreno.c, cc_cubic.c.
#pragma once

#include <cstdint>
#include <string_view>

namespace tunsock {

struct TcpCb;

enum class CcSignal { kDupAck, kRto };

struct TcpCcOps {
  const char* name = "";
  void (*cc_init)(TcpCb& tp) = nullptr;            // initial window (RFC 6928)
  void (*cc_destroy)(TcpCb& tp) = nullptr;
  // acked bytes of new data acknowledged outside recovery (RFC 5681 §3.1).
  void (*cc_ack_received)(TcpCb& tp, uint32_t acked) = nullptr;
  // Loss detected: three duplicate ACKs (fast retransmit) or a timeout.
  void (*cc_cong_signal)(TcpCb& tp, CcSignal sig) = nullptr;
  // The full ACK that ends fast recovery (RFC 6582 §3.2 step 3).
  void (*cc_post_recovery)(TcpCb& tp) = nullptr;
  // Sending again after an idle period longer than the RTO (RFC 5681 §4.1).
  void (*cc_after_idle)(TcpCb& tp) = nullptr;
};

const TcpCcOps* tcp_cc_default();
// nullptr when the stack has no algorithm of that name (TCP_CONGESTION: ENOENT).
const TcpCcOps* tcp_cc_find(std::string_view name);
// TCP_CONGESTION on a socket: the old algorithm lets go, the new one starts
// from a zeroed t_ccpriv with the window as it is (Linux tcp_set_congestion_control).
void tcp_cc_switch(TcpCb& tp, const TcpCcOps* cc);
// Bytes in flight (RFC 5681 FlightSize).
uint32_t tcp_flight_size(const TcpCb& tp);
// The congestion window a connection starts (or restarts) with.
uint32_t tcp_initial_window(const TcpCb& tp);

}  // namespace tunsock
