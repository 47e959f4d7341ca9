/* shutdown(SHUT_WR): the peer reads our data and then EOF while we still
 * read what it sends; writing after SHUT_WR is EPIPE; then the peer's FIN. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  SHOW(send(s, "before shutdown", 15, 0));
  SHOW(shutdown(s, SHUT_WR));
  show_poll_now("after SHUT_WR", s);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  msleep(200);
  PEER_SHOW("read 11");
  PEER_SHOW("stat 11");
  PEER_SHOW("text 11 after your FIN");
  await_recv("s", s, 32, 0);
  PEER_SHOW("shut 11");
  show_poll_when("after the peer's FIN", s, POLLRDHUP);
  show_recv("s", s, 32, 0);
  show_poll_now("at the end", s);
  SHOW(shutdown(s, SHUT_WR));
  return 0;
}
