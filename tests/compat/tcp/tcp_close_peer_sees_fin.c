/* close of an accepted socket with nothing unread: the peer reads our data
 * then EOF; our side ends in TIME_WAIT (seen through the next bind). */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20271, 4);
  PEER_SHOW("connect " US " 20271 discard 3000");
  int c = (int)MUST(accept(l, NULL, NULL));
  SHOW(send(c, "last words", 10, 0));
  SHOW(close(c));
  PEER_SHOW("wait out rx=10");
  PEER_SHOW("wait out eof");
  return 0;
}
