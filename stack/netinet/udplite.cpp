// UDP-Lite's checksum coverage (RFC 3828 §3.1, §3.3) for udp_usrreq.cpp:
// what goes into the length field on output, what a received length field
// may say, the receiver's minimum, and the coverage options. No address
// family here: the pseudo-header sum is the caller's.
// FreeBSD: netinet/udp_usrreq.c (udplite parts); Linux: net/ipv4/udplite.c, include/net/udplite.h.
#include "netinet/udplite.hpp"

#include <algorithm>

#include "netinet/in_var.hpp"
#include "wire/ip.hpp"

namespace tunsock {

uint16_t udplite_cscov_out(const InPcb& inp, int ulen, int* cov) {
  *cov = ulen;
  if (!inp.udp_send_cc || inp.udp_pcslen >= ulen) return uint16_t(ulen);
  // A coverage shorter than the datagram goes in the length field; 0 there
  // says "all of it" (RFC 3828 §3.1).
  if (inp.udp_pcslen > 0) *cov = inp.udp_pcslen;
  return inp.udp_pcslen;
}

int udplite_cscov_in(uint16_t lenfield, int ulen) {
  if (lenfield == 0) return ulen;
  // RFC 3828 §3.1: a coverage of less than the header, or more than the
  // IP length says, is an error and the datagram is dropped.
  if (lenfield < wire::kUdpHdrLen || lenfield > ulen) return -1;
  return lenfield;
}

bool udplite_cscov_ok(const InPcb& inp, int cov, int ulen) {
  if (!inp.udp_recv_cc || cov >= ulen) return true;
  if (inp.udp_pcrlen == 0) return false;  // full coverage required
  return cov >= inp.udp_pcrlen;
}

void udplite_setcscov(InPcb& inp, int name, int v) {
  // Linux: "illegal coverage: use default (8)", which a negative value is too.
  if (v != 0 && v < wire::kUdpHdrLen) v = wire::kUdpHdrLen;
  v = std::min(v, 0xffff);
  if (name == UDPLITE_SEND_CSCOV) {
    inp.udp_pcslen = uint16_t(v);
    inp.udp_send_cc = true;
  } else {
    inp.udp_pcrlen = uint16_t(v);
    inp.udp_recv_cc = true;
  }
}

}  // namespace tunsock
