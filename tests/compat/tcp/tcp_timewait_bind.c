/* The side that closes first keeps the port in TIME_WAIT; the socket that
 * closed had no SO_REUSEADDR, so the port stays taken even for a new socket
 * that sets it (Linux wants it on both); connects from auto-bound sockets
 * work. (tcp_timewait_reuse: both set it.) */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct sockaddr_in me = sin_of(US, 20170);
  MUST(bind(s, SA(me), sizeof me));
  struct sockaddr_in e = sin_of(PEER, ECHO_PORT);
  MUST(connect(s, SA(e), sizeof e));
  SHOW(shutdown(s, SHUT_WR));
  await_ms(s, POLLRDHUP, 3000);
  show_tcp_state("s after both FINs", s);
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
  return 0;
}
