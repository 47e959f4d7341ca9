/* TCP over IPv6 to the peer's echo: names on both ends of the connect
 * (2001:db8::2:<eph> to [2001:db8::1]:7), data both ways, half-close
 * mirrored by the echo (EOF after the data), poll bits along the way,
 * TCP_INFO state, then close. */
#include "tcp6_compat.h"
int main(void) {
  int s = tcp6_socket();
  show_name6("fresh", s);
  show_peer6("fresh", s);
  show_poll_now("fresh", s);
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  show_name6("connected", s);
  show_peer6("connected", s);
  show_tcp_state("connected", s);
  show_poll_now("connected", s);
  SHOW(send(s, "hello over six", 14, 0));
  show_poll_when("data back", s, POLLIN);
  await_recv("echo", s, 100, 0);
  SHOW(shutdown(s, SHUT_WR));
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  show_poll_when("after our FIN", s, POLLRDHUP);
  await_recv("eof", s, 100, 0);
  show_tcp_state("after both FINs", s);
  show_peer6("after both FINs", s);
  SHOW(connect(s, SA(e), sizeof e));
  SHOW(close(s));
  PEER_SHOW("wait 7 closed");
  return 0;
}
