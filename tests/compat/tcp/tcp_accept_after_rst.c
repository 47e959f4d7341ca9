/* A connection reset by the peer before accept: Linux still returns it from
 * accept; recv then gives ECONNRESET. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20134, 4);
  PEER_SHOW("connect " US " 20134 hold 3000");
  await_ms(l, POLLIN, 3000);
  PEER_SHOW("rst out");
  msleep(300);
  show_poll_now("listener", l);
  int c = (int)CKOK(accept(l, NULL, NULL));
  show_poll_now("c", c);
  show_recv("c", c, 16, 0);
  show_recv("c", c, 16, 0);
  show_peer("c", c);
  return 0;
}
