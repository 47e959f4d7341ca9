/* After a reset, send gives ECONNRESET once, then EPIPE (MSG_NOSIGNAL:
 * no SIGPIPE). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  PEER_SHOW("rst 9");
  await_ms(s, POLLERR, 3000);
  SHOW(send(s, "a", 1, MSG_NOSIGNAL));
  SHOW(send(s, "b", 1, MSG_NOSIGNAL));
  SHOW(send(s, "c", 1, MSG_NOSIGNAL));
  show_so_error("s", s);
  SHOW(recv(s, (char[4]){0}, 4, 0));
  return 0;
}
