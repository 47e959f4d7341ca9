/* A connected socket sends to a closed port of the peer: the ICMP port
 * unreachable that comes back is ECONNREFUSED, seen once (poll POLLERR,
 * then recv; SO_ERROR; or the next send) and then gone. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  struct sockaddr_in closed = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(s, SA(closed), sizeof closed));
  SHOW(send(s, "one", 3, 0));
  await(s, POLLERR);
  show_poll("s", s);
  show_recvfrom("s", s, 0);
  show_recvfrom("s", s, MSG_DONTWAIT);
  show_poll("s", s);
  SHOW(send(s, "two", 3, 0));
  await(s, POLLERR);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  SHOW(send(s, "three", 5, 0));
  await(s, POLLERR);
  SHOW(send(s, "four", 4, 0));
  SHOW(send(s, "five", 4, 0));
  await(s, POLLERR);
  set_nonblock(s, 1);
  SHOW(recv(s, (char[8]){0}, 8, 0));
  SHOW(recv(s, (char[8]){0}, 8, 0));
  return 0;
}
