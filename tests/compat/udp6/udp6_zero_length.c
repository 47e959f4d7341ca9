/* Zero-length datagrams over IPv6: sent and received as datagrams (recv
 * returns 0, the source is named), to the peer's echo and over ::1; poll
 * shows POLLIN for one; FIONREAD 0. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(sendto(s, "", 0, 0, SA(e), sizeof e));
  await(s, POLLIN);
  show_poll("s", s);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  int l = udp6_bound(LOOP6, 20420);
  struct sockaddr_in6 la = sin6_of(LOOP6, 20420);
  SHOW(sendto(s, NULL, 0, 0, SA(la), sizeof la));
  SHOW(sendto(s, "after", 5, 0, SA(la), sizeof la));
  await(l, POLLIN);
  int n = -1;
  SHOW(ioctl(l, FIONREAD, &n));
  SAY("FIONREAD = %d", n);
  show_recvfrom6("l", l, MSG_DONTWAIT);
  show_recvfrom6("l", l, MSG_DONTWAIT);
  show_recvfrom6("l", l, MSG_DONTWAIT);
  SHOW(connect(s, SA(e), sizeof e));
  SHOW(send(s, "", 0, 0));
  await(s, POLLIN);
  SHOW(recv(s, (char[4]){0}, 4, MSG_DONTWAIT));
  return 0;
}
