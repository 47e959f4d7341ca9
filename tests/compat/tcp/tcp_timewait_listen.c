/* A listener's port with a connection in TIME_WAIT (we closed the accepted
 * socket first): a new listener needs SO_REUSEADDR. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20171, 4);
  PEER_SHOW("connect " US " 20171 echo 3000");
  int c = (int)MUST(accept(l, NULL, NULL));
  SHOW(shutdown(c, SHUT_WR));
  PEER_SHOW("wait out eof");
  await_ms(c, POLLRDHUP, 3000);
  SHOW(close(c));
  SHOW(close(l));
  msleep(100);
  int a = tcp_socket();
  struct sockaddr_in me = sin_of(US, 20171);
  SHOW(bind(a, SA(me), sizeof me));
  close(a);
  int b = tcp_socket();
  MUST(set_int(b, SOL_SOCKET, SO_REUSEADDR, 1));
  SHOW(bind(b, SA(me), sizeof me));
  SHOW(listen(b, 4));
  PEER_SHOW("connect " US " 20171 hold 3000");
  CKOK(accept(b, NULL, NULL));
  return 0;
}
