/* TCP_DEFER_ACCEPT: the value read back (Linux rounds to its SYN-ACK
 * retransmission schedule); a connection without data is not accepted yet,
 * one with data is. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20160, 4);
  SHOW_OPT(l, IPPROTO_TCP, TCP_DEFER_ACCEPT);
  SHOW(set_int(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5));
  SHOW_OPT(l, IPPROTO_TCP, TCP_DEFER_ACCEPT);
  set_nonblock(l, 1);
  PEER_SHOW("connect " US " 20160 hold 3000");
  msleep(400);
  SHOW(accept(l, NULL, NULL));
  PEER_SHOW("text out first data");
  await_ms(l, POLLIN, 3000);
  int c = (int)CKOK(accept(l, NULL, NULL));
  await_ms(c, POLLIN, 3000);
  show_recv("c", c, 32, 0);
  return 0;
}
