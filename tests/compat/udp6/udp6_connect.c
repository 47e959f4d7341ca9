/* connect over IPv6: getpeername before (ENOTCONN) and after; the implicit
 * bind picks 2001:db8::2 toward the peer; echo through the connected
 * socket; reconnecting to ::1 keeps the port; connect to :: means the local
 * host (::1); AF_UNSPEC dissolves the association; a socket bound to ::1
 * cannot reach the link. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  show_peer6("s", s);
  struct sockaddr_in6 echo = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(echo), sizeof echo));
  show_name6("s", s);
  show_peer6("s", s);
  SHOW(send(s, "ping", 4, 0));
  await(s, POLLIN);
  show_recvfrom6("s", s, 0);
  int l = udp6_bound(LOOP6, 20140);
  struct sockaddr_in6 lo = sin6_of(LOOP6, 20140);
  int port = port6_of(s);
  SHOW(connect(s, SA(lo), sizeof lo));
  show_name6("s after reconnect", s);
  SAY("same port after reconnect: %s", port6_of(s) == port ? "yes" : "no");
  show_peer6("s after reconnect", s);
  SHOW(send(s, "to lo", 5, 0));
  await(l, POLLIN);
  show_recvfrom6("l", l, 0);
  struct sockaddr_in6 un;
  memset(&un, 0, sizeof un);
  un.sin6_family = AF_UNSPEC;
  SHOW(connect(s, SA(un), sizeof un));
  show_peer6("s after AF_UNSPEC", s);
  show_name6("s after AF_UNSPEC", s);
  SHOW(send(s, "x", 1, 0));
  int z = udp6_socket();
  struct sockaddr_in6 any = sin6_of(ANY6, 20140);
  SHOW(connect(z, SA(any), sizeof any));
  show_name6("z", z);
  show_peer6("z", z);
  SHOW(send(z, "to any", 6, 0));
  await(l, POLLIN);
  show_recvfrom6("l", l, 0);
  int b = udp6_bound(LOOP6, 20141);
  SHOW(connect(b, SA(echo), sizeof echo));
  show_name6("b bound to ::1, connected to the peer", b);
  SENDTO6(b, "from ::1", PEER6, DISCARD_PORT);
  return 0;
}
