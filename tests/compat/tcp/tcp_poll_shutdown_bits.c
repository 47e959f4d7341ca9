/* poll bits after each local shutdown, before the peer answers. */
#include "tcp_compat.h"
int main(void) {
  int a = connect_peer(HOLD_PORT);
  int b = connect_peer(HOLD_PORT);
  int c = connect_peer(HOLD_PORT);
  SHOW(shutdown(a, SHUT_RD));
  SHOW(shutdown(b, SHUT_WR));
  SHOW(shutdown(c, SHUT_RDWR));
  msleep(100);
  show_poll_now("SHUT_RD", a);
  show_poll_now("SHUT_WR", b);
  show_poll_now("SHUT_RDWR", c);
  show_tcp_state("SHUT_WR", b);
  show_tcp_state("SHUT_RDWR", c);
  return 0;
}
