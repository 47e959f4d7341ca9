/* The peer sends data and its FIN before we accept: accept, then the data,
 * then EOF; we can still write back before closing. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20135, 4);
  PEER_SHOW("connect " US " 20135 greet 3000");
  PEER_SHOW("wait out rx=0");
  msleep(300);
  int c = (int)CKOK(accept(l, NULL, NULL));
  show_poll_now("c", c);
  show_recv("c", c, 64, 0);
  show_recv("c", c, 64, 0);
  SHOW(send(c, "reply", 5, 0));
  PEER_SHOW("wait out rx=5");
  SHOW(close(c));
  PEER_SHOW("wait out eof");
  return 0;
}
