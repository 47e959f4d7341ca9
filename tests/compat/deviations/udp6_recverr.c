/* DEVIATION: as deviations/udp_errqueue.c says for IPv4, a pending error of
 * an inet6 datagram socket (an IPV6_RECVERR queue entry) polls POLLIN under
 * tunsock where Linux polls POLLERR, and a stale error record leaves POLLIN
 * after the queue is read (the socket's fd is its end of an AF_UNIX
 * channel; the daemon posts an error record); the errors themselves, and
 * the cmsg cut short to the control space (put_cmsg: cmsg_len what fits,
 * MSG_CTRUNC), are Linux's. udp6_recverr.diff holds exactly that. */
/* IPV6_RECVERR: the port unreachable goes to the error queue as well:
 * recvmsg(MSG_ERRQUEUE) gives the datagram that caused it, a
 * sock_extended_err (ECONNREFUSED, origin ICMP6, type 1 code 4) and the
 * offender's sockaddr_in6; unconnected sockets get it too; an empty queue is
 * EAGAIN.
 * (Waits ask for POLLERR|POLLIN, as deviations/udp_errqueue.c explains: a
 * pending datagram error polls POLLIN under tunsock; what poll says is
 * printed where it matters.) */
#include "../udp6/udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVERR);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVERR, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVERR);
  show_recvmsg6("errqueue empty", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SENDTO6(s, "unconnected probe", PEER6, CLOSED_PORT);
  await(s, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
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
  await(c, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  show_recvmsg6("c errqueue small control", c, MSG_ERRQUEUE | MSG_DONTWAIT, 16);
  SHOW(send(c, "second probe", 12, 0));
  await(c, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  show_recvmsg6("c data", c, MSG_DONTWAIT, 0);
  show_recvmsg6("c errqueue", c, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  return 0;
}
