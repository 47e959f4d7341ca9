/* After a reset, SO_ERROR takes the error (ECONNRESET once); then recv
 * gives 0 and send EPIPE, and poll no longer shows POLLERR. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  PEER_SHOW("rst 9");
  await_ms(s, POLLERR, 3000);
  show_so_error("s", s);
  show_so_error("s", s);
  show_poll_now("after SO_ERROR", s);
  show_recv("s", s, 16, 0);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  return 0;
}
