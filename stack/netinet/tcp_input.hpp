// What tcp_input's handlers share: the segment being processed and the ACK
// processing (tcp_ack.cpp). Internal to stack/netinet/tcp_*.
#pragma once

#include "netinet/tcp_var.hpp"

namespace tunsock {

struct TcpSegIn {
  tw::TcpRepr th;
  uint32_t src = 0, dst = 0;   // IPv4 addresses (host order)
  bool v6 = false;             // came over IPv6: src6/dst6 hold the addresses
  In6 src6{}, dst6{};
  TcpSeq seq, ack;
  int len = 0;                 // payload bytes (after trimming)
  uint8_t flags = 0;           // th.flags, less what trimming removed
  mbuf* m = nullptr;           // the payload; whoever takes it sets this null
  // The connection the segment names, our end local.
  InConnInfo inc() const {
    InConnInfo c;
    c.inc_isipv6 = v6;
    c.inc_laddr = dst;
    c.inc_faddr = src;
    c.inc6_laddr = dst6;
    c.inc6_faddr = src6;
    c.inc_lport = th.dport;
    c.inc_fport = th.sport;
    return c;
  }
  int seglen() const { return len + ((flags & tw::TH_SYN) ? 1 : 0) + ((flags & tw::TH_FIN) ? 1 : 0); }
};

// RFC 9293 §3.10.7.4 "fifth, check the ACK field" in a synchronized state
// (after SYN-RECEIVED became ESTABLISHED). Returns false when the segment
// is done with (or the connection is gone).
bool tcp_input_ack(Inet& in, TcpCb& tp, TcpSegIn& s);

}  // namespace tunsock
