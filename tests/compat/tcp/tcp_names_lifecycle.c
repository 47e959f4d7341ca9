/* getsockname/getpeername through a connection's life, as the peer closes
 * and after a reset. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  show_name("fresh", s);
  show_peer("fresh", s);
  struct sockaddr_in me = sin_of("0.0.0.0", 20200);
  MUST(bind(s, SA(me), sizeof me));
  show_name("bound to any", s);
  struct sockaddr_in g = sin_of(PEER, GREET_PORT);
  MUST(connect(s, SA(g), sizeof g));
  show_name("connected", s);
  show_peer("connected", s);
  await_ms(s, POLLRDHUP, 3000);
  show_peer("after the peer's FIN", s);
  SHOW(shutdown(s, SHUT_WR));
  msleep(100);
  show_name("after both FINs", s);
  show_peer("after both FINs", s);
  int r = connect_peer(RESET_PORT);
  await_ms(r, POLLERR, 3000);
  show_name("after RST", r);
  show_peer("after RST", r);
  return 0;
}
