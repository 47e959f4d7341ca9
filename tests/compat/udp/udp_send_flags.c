/* Flags on UDP sends and receives: MSG_OOB is EOPNOTSUPP on send and
 * ignored on receive (Linux UDP), MSG_DONTROUTE, MSG_CONFIRM and MSG_EOR
 * send, MSG_WAITALL on a datagram socket returns one datagram. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20330), s = udp_socket();
  struct sockaddr_in to = sin_of(LOOP, 20330);
  SHOW(sendto(s, "oob", 3, MSG_OOB, SA(to), sizeof to));
  SHOW(sendto(s, "dontroute", 9, MSG_DONTROUTE, SA(to), sizeof to));
  SHOW(sendto(s, "confirm", 7, MSG_CONFIRM, SA(to), sizeof to));
  SHOW(sendto(s, "eor", 3, MSG_EOR, SA(to), sizeof to));
  await(r, POLLIN);
  sleep_ms(50);
  char buf[64];
  SHOW(recv(r, buf, sizeof buf, MSG_OOB));
  ssize_t n = recv(r, buf, sizeof buf, MSG_WAITALL);
  show_data("recv(MSG_WAITALL)", buf, n);
  drain("r", r);
  struct sockaddr_in peer = sin_of(PEER, DISCARD_PORT);
  SHOW(sendto(s, "dontroute to peer", 17, MSG_DONTROUTE, SA(peer), sizeof peer));
  show_peer_last("discard");
  return 0;
}
