/* An unconnected socket (without IP_RECVERR) ignores the port unreachable
 * its datagram to a closed port brings back: no POLLERR, no SO_ERROR, no
 * error on recv. The echo sent after it arrives after the ICMP error. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SENDTO(s, "to closed", PEER, CLOSED_PORT);
  SENDTO(s, "to echo", PEER, ECHO_PORT);
  await(s, POLLIN);
  show_poll("s", s);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  show_recvfrom("s", s, MSG_DONTWAIT);
  show_recvfrom("s", s, MSG_DONTWAIT);
  /* Bound to the peer's address by connect, the socket hears it again. */
  struct sockaddr_in closed = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(s, SA(closed), sizeof closed));
  SHOW(send(s, "connected", 9, 0));
  await(s, POLLERR);
  show_recvfrom("s", s, MSG_DONTWAIT);
  return 0;
}
