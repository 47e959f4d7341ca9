/* select through a connection's life, as tcp_poll_lifecycle. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  show_select("connected", s, 0);
  SHOW(send(s, "ping", 4, 0));
  await_ms(s, POLLIN, 3000);
  show_select("echo arrived", s, 0);
  show_recv("s", s, 16, 0);
  show_select("after read", s, 0);
  SHOW(shutdown(s, SHUT_WR));
  await_ms(s, POLLRDHUP, 3000);
  show_select("after the peer's FIN", s, 0);
  show_recv("s", s, 16, 0);
  show_select("at the end", s, 100);
  return 0;
}
