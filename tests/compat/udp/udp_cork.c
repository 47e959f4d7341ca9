/* UDP_CORK (SOL_UDP): off by default; while on, sends are gathered into
 * one datagram to the first send's destination (later addresses are not
 * looked at), sent when the cork is taken out; the gathered size is
 * bounded like one datagram, and going over throws all of it away. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SHOW_OPT(s, SOL_UDP, UDP_CORK);
  SHOW(set_int(s, SOL_UDP, UDP_CORK, 1));
  SHOW_OPT(s, SOL_UDP, UDP_CORK);
  SENDTO(s, "one,", PEER, DISCARD_PORT);
  SENDTO(s, "two,", PEER, DISCARD_PORT);
  SENDTO(s, "three", PEER, DISCARD_PORT);
  show_peer_last("discard, corked");
  SHOW(set_int(s, SOL_UDP, UDP_CORK, 0));
  show_peer_last("discard, uncorked");
  int r = udp_bound(LOOP, 20400);
  SHOW(set_int(s, SOL_UDP, UDP_CORK, 1));
  SENDTO(s, "a", LOOP, 20400);
  SENDTO(s, "b", PEER, DISCARD_PORT);
  SHOW(set_int(s, SOL_UDP, UDP_CORK, 0));
  await(r, POLLIN);
  show_recvfrom("r", r, MSG_DONTWAIT);
  show_peer_last("discard");
  static char big[40000];
  memset(big, 'x', sizeof big);
  struct sockaddr_in to = sin_of(LOOP, 20400);
  SHOW(set_int(s, SOL_UDP, UDP_CORK, 1));
  CKL("sendto 40000 corked", sendto(s, big, sizeof big, 0, SA(to), sizeof to));
  CKL("sendto 40000 corked again", sendto(s, big, sizeof big, 0, SA(to), sizeof to));
  SHOW(set_int(s, SOL_UDP, UDP_CORK, 0));
  SENDTO(s, "after", LOOP, 20400);
  await(r, POLLIN);
  show_recvfrom("r", r, MSG_DONTWAIT);
  show_recvfrom("r", r, MSG_DONTWAIT);
  return 0;
}
