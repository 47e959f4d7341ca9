/* Receiving hand-made UDP-Lite datagrams from the peer: bytes beyond the
 * coverage may be corrupted and are delivered as they came; a corrupted
 * byte inside it, a coverage of 1..7 or beyond the datagram, and a zero
 * checksum are dropped; UDPLITE_RECV_CSCOV drops partial coverage below it
 * (0: every partial one). */
#include "udplite_compat.h"
int main(void) {
  int s = lite_bound(US, 21000);
  const char *t = "covered-part|uncovered-part";  /* 27 bytes, 35 with the header */
  peer_lite(US, 21000, 21001, 20, 20, 0, t);
  drain("cov 20 intact", s);
  peer_lite(US, 21000, 21001, 20, 20, 5, t);
  drain("cov 20, last 5 bytes corrupted", s);
  peer_lite(US, 21000, 21001, 20, 20, 20, t);
  drain("cov 20, last 20 bytes corrupted", s);
  peer_lite(US, 21000, 21001, 8, 8, 27, t);
  drain("cov 8, all data corrupted", s);
  peer_lite(US, 21000, 21001, 0, 0, 1, t);
  drain("cov 0, last byte corrupted", s);
  peer_lite(US, 21000, 21001, 35, 35, 1, t);
  drain("cov 35, last byte corrupted", s);
  peer_lite(US, 21000, 21001, 4, 4, 0, t);
  drain("cov 4", s);
  peer_lite(US, 21000, 21001, 36, 35, 0, t);
  drain("cov 36 of 35", s);
  peer_lite(US, 21000, 21001, 0, -1, 0, t);
  drain("zero checksum", s);
  peer_lite(US, 21000, 21001, 20, -1, 0, t);
  drain("zero checksum, cov 20", s);
  SHOW(set_int(s, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 16));
  peer_lite(US, 21000, 21001, 12, 12, 0, t);
  drain("min 16: cov 12", s);
  peer_lite(US, 21000, 21001, 16, 16, 3, t);
  drain("min 16: cov 16", s);
  peer_lite(US, 21000, 21001, 0, 0, 0, t);
  drain("min 16: cov 0", s);
  SHOW(set_int(s, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 0));
  peer_lite(US, 21000, 21001, 34, 34, 0, t);
  drain("min 0: cov 34", s);
  peer_lite(US, 21000, 21001, 35, 35, 0, t);
  drain("min 0: cov 35", s);
  return 0;
}
