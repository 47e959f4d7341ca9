/* SO_LINGER get/set values and an orderly close with a nonzero linger that
 * finishes at once (everything acknowledged): the peer sees EOF. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  struct linger g = {7, 7};
  socklen_t gl = sizeof g;
  SHOW(getsockopt(s, SOL_SOCKET, SO_LINGER, &g, &gl));
  SAY("default onoff %d linger %d", g.l_onoff, g.l_linger);
  struct linger l = {1, 2};
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l));
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, 4));
  gl = sizeof g;
  SHOW(getsockopt(s, SOL_SOCKET, SO_LINGER, &g, &gl));
  SAY("now onoff %d linger %d", g.l_onoff, g.l_linger);
  SHOW(send(s, "bye", 3, 0));
  SHOW(close(s));
  PEER_SHOW("wait 9 closed");
  return 0;
}
