/* IPV6_RECVERR: the port unreachable goes to the error queue as well:
 * recvmsg(MSG_ERRQUEUE) gives the datagram that caused it, a
 * sock_extended_err (ECONNREFUSED, origin ICMP6, type 1 code 4) and the
 * offender's sockaddr_in6; unconnected sockets get it too; an empty queue is
 * EAGAIN. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVERR);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVERR, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVERR);
  show_recvmsg6("errqueue empty", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SENDTO6(s, "unconnected probe", PEER6, CLOSED_PORT);
  await(s, POLLERR);
  show_poll("s", s);
  show_recvmsg6("errqueue", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_poll("s after the queue", s);
  int e = -1;
  socklen_t el = sizeof e;
  getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el);
  SAY("SO_ERROR = %s", errname(e));
  show_recvmsg6("errqueue again", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  int c = udp6_socket();
  SHOW(set_int(c, SOL_IPV6, IPV6_RECVERR, 1));
  struct sockaddr_in6 closed = sin6_of(PEER6, CLOSED_PORT);
  SHOW(connect(c, SA(closed), sizeof closed));
  SHOW(send(c, "connected probe", 15, 0));
  await(c, POLLERR);
  show_recvmsg6("c errqueue small control", c, MSG_ERRQUEUE | MSG_DONTWAIT, 16);
  SHOW(send(c, "second probe", 12, 0));
  await(c, POLLERR);
  show_recvmsg6("c data", c, MSG_DONTWAIT, 0);
  show_recvmsg6("c errqueue", c, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  return 0;
}
