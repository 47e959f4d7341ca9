/* TIME_WAIT and SO_REUSEADDR when the closing socket had SO_REUSEADDR set
 * too: a new socket with it may bind the port; Linux lets it connect to the
 * same peer address and port again (the TIME_WAIT entry is taken over) and
 * to another peer port. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  struct sockaddr_in me = sin_of(US, 20172);
  MUST(bind(s, SA(me), sizeof me));
  struct sockaddr_in e = sin_of(PEER, ECHO_PORT);
  MUST(connect(s, SA(e), sizeof e));
  SHOW(shutdown(s, SHUT_WR));
  await_ms(s, POLLRDHUP, 3000);
  SHOW(close(s));
  msleep(100);
  int t = tcp_socket();
  SHOW(bind(t, SA(me), sizeof me));
  close(t);
  int u = tcp_socket();
  MUST(set_int(u, SOL_SOCKET, SO_REUSEADDR, 1));
  SHOW(bind(u, SA(me), sizeof me));
  SHOW(connect(u, SA(e), sizeof e));
  close(u);
  int v = tcp_socket();
  MUST(set_int(v, SOL_SOCKET, SO_REUSEADDR, 1));
  SHOW(bind(v, SA(me), sizeof me));
  struct sockaddr_in d = sin_of(PEER, DISCARD_PORT);
  SHOW(connect(v, SA(d), sizeof d));
  show_name("v", v);
  return 0;
}
