/* A listener on 0.0.0.0: the accepted socket's name is the address the
 * peer connected to; accept with a short address buffer truncates. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener("0.0.0.0", 20131, 4);
  show_name("l", l);
  PEER_SHOW("connect " US " 20131 hold 3000");
  struct sockaddr_in from;
  memset(&from, 0, sizeof from);
  socklen_t fl = 4;
  int c = (int)CKOK(accept(l, SA(from), &fl));
  SAY("address length %u, family %d", (unsigned)fl, from.sin_family);
  show_name("c", c);
  show_peer("c", c);
  return 0;
}
