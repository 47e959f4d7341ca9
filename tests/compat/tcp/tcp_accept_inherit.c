/* What an accepted socket inherits from its listener: SO_KEEPALIVE,
 * TCP_NODELAY, SO_RCVBUF, IP_TOS, TCP_KEEPIDLE; not O_NONBLOCK. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_socket();
  MUST(set_int(l, SOL_SOCKET, SO_REUSEADDR, 1));
  MUST(set_int(l, SOL_SOCKET, SO_KEEPALIVE, 1));
  MUST(set_int(l, IPPROTO_TCP, TCP_NODELAY, 1));
  MUST(set_int(l, SOL_SOCKET, SO_RCVBUF, 50000));
  MUST(set_int(l, IPPROTO_IP, IP_TOS, 0x08));
  MUST(set_int(l, IPPROTO_TCP, TCP_KEEPIDLE, 77));
  struct sockaddr_in a = sin_of(US, 20250);
  MUST(bind(l, SA(a), sizeof a));
  MUST(listen(l, 4));
  set_nonblock(l, 1);
  PEER_SHOW("connect " US " 20250 hold 3000");
  await_ms(l, POLLIN, 3000);
  int c = (int)MUST(accept(l, NULL, NULL));
  SAY("O_NONBLOCK %s", fcntl(c, F_GETFL) & O_NONBLOCK ? "set" : "clear");
  SHOW_OPT(c, SOL_SOCKET, SO_KEEPALIVE);
  SHOW_OPT(c, IPPROTO_TCP, TCP_NODELAY);
  SHOW_OPT(c, SOL_SOCKET, SO_RCVBUF);
  SHOW_OPT(c, IPPROTO_IP, IP_TOS);
  SHOW_OPT(c, IPPROTO_TCP, TCP_KEEPIDLE);
  SHOW_OPT(c, SOL_SOCKET, SO_REUSEADDR);
  return 0;
}
