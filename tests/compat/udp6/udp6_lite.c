/* UDP-Lite over IPv6 (RFC 3828): socket(AF_INET6, SOCK_DGRAM,
 * IPPROTO_UDPLITE), echo through the peer's UDP-Lite port 7 with full and
 * partial send coverage, names, the coverage options and their ranges; a
 * UDP-Lite socket and a UDP socket share no port space. */
#include "udp6_compat.h"
#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11
#endif
int main(void) {
  int s = (int)CKOK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE));
  if (s < 0) return 0;
  struct sockaddr_in6 a = sin6_of(ANY6, 20210);
  SHOW(bind(s, SA(a), sizeof a));
  int u = udp6_bound(ANY6, 20210);
  show_name6("lite", s);
  show_name6("udp same port", u);
  SHOW_OPT(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV);
  SHOW_OPT(s, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV);
  SENDTO6(s, "lite full coverage", PEER6, ECHO_PORT);
  await(s, POLLIN);
  show_recvfrom6("lite", s, MSG_DONTWAIT);
  show_recvfrom6("udp", u, MSG_DONTWAIT);
  SHOW(set_int(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 12));
  SHOW_OPT(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV);
  SENDTO6(s, "lite partial coverage", PEER6, ECHO_PORT);
  await(s, POLLIN);
  show_recvfrom6("lite", s, MSG_DONTWAIT);
  SHOW(set_int(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 4));
  SHOW_OPT(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV);
  SHOW(set_int(s, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV, 20));
  SHOW_OPT(s, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV);
  SHOW(set_int(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 70000));
  SHOW_OPT(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV);
  SHOW(set_int(u, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 12));
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  int c = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE));
  SHOW(connect(c, SA(e), sizeof e));
  show_name6("c", c);
  show_peer6("c", c);
  SHOW(send(c, "connected lite", 14, 0));
  await(c, POLLIN);
  show_recvfrom6("c", c, MSG_DONTWAIT);
  int l = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE));
  struct sockaddr_in6 lo = sin6_of(LOOP6, 20211);
  SHOW(bind(l, SA(lo), sizeof lo));
  SENDTO6(c, "x", LOOP6, 20211);
  SENDTO6(s, "over lo", LOOP6, 20211);
  await(l, POLLIN);
  show_recvfrom6("l", l, MSG_DONTWAIT);
  return 0;
}
