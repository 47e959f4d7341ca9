/* ICMPv6 port unreachable: a connected socket gets ECONNREFUSED on the next
 * call (once), then works on; SO_ERROR takes it; an unconnected socket sees
 * nothing (no IPV6_RECVERR); poll shows POLLERR while the error is pending. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 closed = sin6_of(PEER6, CLOSED_PORT);
  SHOW(connect(s, SA(closed), sizeof closed));
  SHOW(send(s, "anyone?", 7, 0));
  await(s, POLLERR);
  show_poll("s after the ICMPv6 error", s);
  SHOW(recv(s, (char[16]){0}, 16, MSG_DONTWAIT));
  SHOW(recv(s, (char[16]){0}, 16, MSG_DONTWAIT));
  SHOW(send(s, "again", 5, 0));
  await(s, POLLERR);
  SHOW(send(s, "third", 5, 0));
  SHOW(send(s, "fourth", 6, 0));
  await(s, POLLERR);
  int e = -1;
  socklen_t el = sizeof e;
  SHOW(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el));
  SAY("SO_ERROR = %s", errname(e));
  SHOW(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el));
  SAY("SO_ERROR = %s", errname(e));
  int u = udp6_socket();
  SENDTO6(u, "unconnected", PEER6, CLOSED_PORT);
  SENDTO6(u, "echo", PEER6, ECHO_PORT);
  await(u, POLLIN);
  show_poll("u", u);
  show_recvfrom6("u", u, MSG_DONTWAIT);
  show_recvfrom6("u", u, MSG_DONTWAIT);
  return 0;
}
