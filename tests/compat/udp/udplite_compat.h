/* Helpers of the UDP-Lite compat cases (tests/compat/udp/udplite_*.c), on
 * top of udp_compat.h. udp_peer on 198.18.0.1 has UDP-Lite sockets too:
 * echo on 7 (any coverage) and on 8 (UDPLITE_RECV_CSCOV 20), and its
 * "lite" command sends a hand-made UDP-Lite datagram (coverage field,
 * checksum span, corrupted bytes of our choosing). glibc names none of
 * Linux's UDP-Lite options, so they are spelled here. */
#ifndef TUNSOCK_UDPLITE_COMPAT_H
#define TUNSOCK_UDPLITE_COMPAT_H

#include "udp_compat.h"

#ifndef SOL_UDPLITE
#define SOL_UDPLITE 136
#endif
#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#endif
#ifndef UDPLITE_RECV_CSCOV
#define UDPLITE_RECV_CSCOV 11
#endif
enum { LITE_ECHO = 7, LITE_ECHO_MIN20 = 8 };

static int lite_socket(void) { return (int)MUST(socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE)); }

static int lite_bound(const char *ip, int port) {
  int s = lite_socket();
  struct sockaddr_in a = sin_of(ip, port);
  MUST(bind(s, SA(a), sizeof a));
  return s;
}

/* The peer sends one UDP-Lite datagram of text from PEER:sport to
 * dst:dport: field in its length field, checksum over cov bytes (0: all,
 * -1: a zero checksum), its last `corrupt` bytes flipped after summing. */
static void peer_lite(const char *dst, int dport, int sport, int field, int cov, int corrupt, const char *text) {
  const char *r = peer_cmd("lite %s %d %d %d %d %d %s", dst, dport, sport, field, cov, corrupt, text);
  if (strcmp(r, "done") != 0) say("peer lite: %s", r[0] ? r : "(no answer)");
}

/* Sends text to PEER:port with UDPLITE_SEND_CSCOV cov (-1: option not set)
 * from a fresh socket and shows what comes back. */
static void lite_echo(const char *label, int port, int cov, const char *text) {
  int s = lite_socket();
  if (cov >= 0) MUST(setsockopt(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, &cov, sizeof cov));
  struct sockaddr_in a = sin_of(PEER, port);
  say("%s: cscov %d, sendto = %zd", label, cov, sendto(s, text, strlen(text), 0, SA(a), sizeof a));
  drain(label, s);
  close(s);
}

#endif
