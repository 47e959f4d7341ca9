// TCP connection states (RFC 9293 §3.3.2) in FreeBSD's order, the names
// `ss` prints for them and the numbers Linux's tcp_info reports.
// FreeBSD: netinet/tcp_fsm.h; Linux: include/net/tcp_states.h.
#pragma once

#include <cstdint>

namespace tunsock {

enum class TcpState : uint8_t {
  CLOSED,
  LISTEN,
  SYN_SENT,
  SYN_RECEIVED,
  ESTABLISHED,
  CLOSE_WAIT,
  FIN_WAIT_1,
  CLOSING,
  LAST_ACK,
  FIN_WAIT_2,
  TIME_WAIT,
};

// States in which a SYN has been both sent and received.
inline constexpr bool tcps_have_rcvd_syn(TcpState s) { return s >= TcpState::SYN_RECEIVED; }
inline constexpr bool tcps_have_established(TcpState s) { return s >= TcpState::ESTABLISHED; }
// We have sent our FIN (or will as soon as the data before it is out).
inline constexpr bool tcps_have_rcvd_fin(TcpState s) {
  return s == TcpState::CLOSE_WAIT || s == TcpState::CLOSING || s == TcpState::LAST_ACK ||
         s == TcpState::TIME_WAIT;
}

// `ss -t -a` column "State".
inline const char* tcp_state_name(TcpState s) {
  switch (s) {
    case TcpState::CLOSED: return "UNCONN";
    case TcpState::LISTEN: return "LISTEN";
    case TcpState::SYN_SENT: return "SYN-SENT";
    case TcpState::SYN_RECEIVED: return "SYN-RECV";
    case TcpState::ESTABLISHED: return "ESTAB";
    case TcpState::CLOSE_WAIT: return "CLOSE-WAIT";
    case TcpState::FIN_WAIT_1: return "FIN-WAIT-1";
    case TcpState::CLOSING: return "CLOSING";
    case TcpState::LAST_ACK: return "LAST-ACK";
    case TcpState::FIN_WAIT_2: return "FIN-WAIT-2";
    case TcpState::TIME_WAIT: return "TIME-WAIT";
  }
  return "?";
}

// Linux TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11 (tcp_info.tcpi_state).
inline uint8_t tcp_state_linux(TcpState s) {
  switch (s) {
    case TcpState::ESTABLISHED: return 1;
    case TcpState::SYN_SENT: return 2;
    case TcpState::SYN_RECEIVED: return 3;
    case TcpState::FIN_WAIT_1: return 4;
    case TcpState::FIN_WAIT_2: return 5;
    case TcpState::TIME_WAIT: return 6;
    case TcpState::CLOSED: return 7;
    case TcpState::CLOSE_WAIT: return 8;
    case TcpState::LAST_ACK: return 9;
    case TcpState::LISTEN: return 10;
    case TcpState::CLOSING: return 11;
  }
  return 7;
}

}  // namespace tunsock
