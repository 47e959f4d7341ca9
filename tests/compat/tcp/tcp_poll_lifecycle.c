/* poll through a connection's life: connected, data in, read, peer's FIN,
 * our SHUT_WR, closed by both. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  show_poll_now("connected", s);
  SHOW(send(s, "ping", 4, 0));
  show_poll_when("echo arrived", s, POLLIN);
  show_recv("s", s, 16, 0);
  show_poll_now("after read", s);
  SHOW(shutdown(s, SHUT_WR));
  show_poll_when("after SHUT_WR and the echoed FIN", s, POLLRDHUP);
  show_recv("s", s, 16, 0);
  show_poll_now("at the end", s);
  show_tcp_state("s", s);
  return 0;
}
