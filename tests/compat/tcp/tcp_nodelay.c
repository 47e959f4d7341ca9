/* TCP_NODELAY: default 0, set and read back (any nonzero reads as 1),
 * inherited by accepted sockets; small writes still arrive. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW_OPT(s, IPPROTO_TCP, TCP_NODELAY);
  SHOW(set_int(s, IPPROTO_TCP, TCP_NODELAY, 5));
  SHOW_OPT(s, IPPROTO_TCP, TCP_NODELAY);
  SHOW(set_int(s, IPPROTO_TCP, TCP_NODELAY, 0));
  SHOW_OPT(s, IPPROTO_TCP, TCP_NODELAY);
  SHOW(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, "", 0));
  int l = tcp_listener(US, 20150, 4);
  SHOW(set_int(l, IPPROTO_TCP, TCP_NODELAY, 1));
  PEER_SHOW("connect " US " 20150 echo 3000");
  int c = (int)MUST(accept(l, NULL, NULL));
  SHOW_OPT(c, IPPROTO_TCP, TCP_NODELAY);
  for (int i = 0; i < 5; i++) SHOW(send(c, "x", 1, 0));
  char b[8];
  SHOW(recv_n(c, b, 5, 3000));
  return 0;
}
