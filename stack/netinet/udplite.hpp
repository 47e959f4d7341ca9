// UDP-Lite's own rules (RFC 3828), apart from the address family so that
// the IPv4 path in udp_usrreq.cpp and an IPv6 one share them: the checksum
// coverage a datagram carries out and is checked over in, the receiver's
// minimum coverage, and the two socket options. Everything else (ports,
// PCBs, delivery, errors) is UDP's own code behind the PCB's protocol.
// Linux: net/ipv4/udplite.c, include/net/udplite.h, udp.c (udp_lib_setsockopt).
#pragma once

#include <netinet/in.h>

#include <cstdint>

// Linux's names (include/uapi/linux/udp.h, socket.h); glibc has none of them.
#ifndef SOL_UDPLITE
#define SOL_UDPLITE 136
#endif
#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#endif
#ifndef UDPLITE_RECV_CSCOV
#define UDPLITE_RECV_CSCOV 11
#endif

namespace tunsock {

struct InPcb;

// Sending ulen bytes (header included): the value of the length field (the
// coverage, or ulen for all of it) and in *cov how many bytes from the
// header on the checksum covers (RFC 3828 §3.1). Linux udplite_csum: a
// UDPLITE_SEND_CSCOV at least the datagram's length means all of it, sent
// as the length; 0 means all of it, sent as 0.
uint16_t udplite_cscov_out(const InPcb& inp, int ulen, int* cov);

// Receiving ulen bytes (the IP payload): the coverage the length field
// declares (0: all, ulen), or -1 when RFC 3828 §3.1 forbids it (below the
// header's 8 bytes, beyond the datagram).
int udplite_cscov_in(uint16_t lenfield, int ulen);

// Whether inp takes a datagram of ulen bytes whose checksum covered cov
// (RFC 3828 §3.3; Linux udp_queue_rcv_one_skb): only a partial coverage is
// looked at, and only once UDPLITE_RECV_CSCOV was set: then 0 refuses every
// partial one, and a value refuses those covering less.
bool udplite_cscov_ok(const InPcb& inp, int cov, int ulen);

// setsockopt UDPLITE_SEND_CSCOV or UDPLITE_RECV_CSCOV of v on a UDP-Lite
// socket (Linux udp_lib_setsockopt): 1..7 become 8, more than 65535 65535,
// a negative value 8; the option counts as set from then on.
void udplite_setcscov(InPcb& inp, int name, int v);

}  // namespace tunsock
