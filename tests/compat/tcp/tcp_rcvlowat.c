/* SO_RCVLOWAT 10: poll is not readable with 5 bytes queued, is with 15;
 * a blocking recv waits for 10 (or EOF). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  SHOW(set_int(s, SOL_SOCKET, SO_RCVLOWAT, 10));
  SHOW_OPT(s, SOL_SOCKET, SO_RCVLOWAT);
  PEER_SHOW("text 11 12345");
  msleep(300);
  show_poll_now("5 bytes queued", s);
  PEER_SHOW("text 11 6789012345");
  show_poll_when("15 bytes queued", s, POLLIN);
  show_recv("s", s, 64, 0);
  return 0;
}
