/* We close with the peer's data unread: the kernel sends RST instead of
 * FIN and the peer sees ECONNRESET. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  PEER_SHOW("text 11 unread");
  await_ms(s, POLLIN, 3000);
  SHOW(close(s));
  PEER_SHOW("wait 11 err");
  return 0;
}
