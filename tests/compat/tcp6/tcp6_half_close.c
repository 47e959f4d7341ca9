/* Half-close over IPv6: the peer's FIN (shut) while we still send: read
 * gives EOF, POLLRDHUP, we keep writing and the peer reads it, then our
 * FIN; SHUT_RD on our side; shutdown on an unconnected socket ENOTCONN;
 * shutdown with a bad how EINVAL. */
#include "tcp6_compat.h"
int main(void) {
  int s = connect_peer6(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  PEER_SHOW("text 9 before the FIN");
  PEER_SHOW("shut 9");
  show_poll_when("after the peer's FIN", s, POLLRDHUP);
  await_recv("s", s, 100, 0);
  show_recv("s at EOF", s, 100, 0);
  SHOW(send(s, "still sending", 13, 0));
  PEER_SHOW("wait 9 rx=13");
  SHOW(shutdown(s, SHUT_WR));
  PEER_SHOW("wait 9 eof");
  show_poll_now("both shut", s);
  show_tcp_state("both shut", s);
  close(s);
  int r = connect_peer6(ECHO_PORT);
  SHOW(shutdown(r, SHUT_RD));
  show_poll_now("SHUT_RD", r);
  show_recv("SHUT_RD", r, 10, MSG_DONTWAIT);
  SHOW(send(r, "after SHUT_RD", 13, 0));
  SHOW(shutdown(r, 7));
  close(r);
  int u = tcp6_socket();
  SHOW(shutdown(u, SHUT_RDWR));
  return 0;
}
