/* DEVIATION: as deviations/udp_errqueue.c says for IPv4, a pending error of
 * an inet6 datagram socket (so_error or an IPV6_RECVERR/IP_RECVERR queue
 * entry) polls POLLIN under tunsock where Linux polls POLLERR (the socket's
 * fd is its end of an AF_UNIX channel; the daemon posts an error record);
 * the errors themselves are Linux's. udp6_loopback_refused.diff holds exactly that. */
/* Port unreachable on ::1 and on our own 2001:db8::2 (the local host
 * answers itself): connected sockets get ECONNREFUSED, unconnected ones do
 * not; with IPV6_RECVERR the queue holds an ICMP6 error from ::1.
 * (Waits ask for POLLERR|POLLIN, as deviations/udp_errqueue.c explains: a
 * pending datagram error polls POLLIN under tunsock; what poll says is
 * printed where it matters.) */
#include "../udp6/udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 c = sin6_of(LOOP6, 20440);
  SHOW(connect(s, SA(c), sizeof c));
  SHOW(send(s, "nobody", 6, 0));
  await(s, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  show_poll("s", s);
  SHOW(recv(s, (char[8]){0}, 8, MSG_DONTWAIT));
  SHOW(send(s, "nobody again", 12, 0));
  await(s, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  SHOW(send(s, "third", 5, 0));
  int u = udp6_socket();
  struct sockaddr_in6 us = sin6_of(US6, 20441);
  SHOW(connect(u, SA(us), sizeof us));
  SHOW(send(u, "to our own", 10, 0));
  await(u, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  SHOW(recv(u, (char[8]){0}, 8, MSG_DONTWAIT));
  int q = udp6_socket();
  SHOW(set_int(q, SOL_IPV6, IPV6_RECVERR, 1));
  SENDTO6(q, "unconnected to lo", LOOP6, 20442);
  await(q, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  show_recvmsg6("q errqueue", q, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  int w = udp6_socket();
  SENDTO6(w, "quietly lost", LOOP6, 20443);
  show_poll("w", w);
  return 0;
}
