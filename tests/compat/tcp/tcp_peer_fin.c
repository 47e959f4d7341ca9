/* The peer sends its greeting and FIN: POLLIN|POLLOUT|POLLRDHUP, the data,
 * then 0 (again and again); our writes still flow and reach the peer. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(GREET_PORT);
  show_poll_when("greeting and FIN", s, POLLRDHUP);
  show_recv("s", s, 64, 0);
  show_recv("s", s, 64, 0);
  show_recv("s", s, 64, 0);
  show_tcp_state("s", s);
  SHOW(send(s, "still writing", 13, 0));
  PEER_SHOW("wait 13 rx=13");
  SHOW(shutdown(s, SHUT_WR));
  PEER_SHOW("wait 13 eof");
  show_poll_now("both closed", s);
  show_tcp_state("s", s);
  return 0;
}
