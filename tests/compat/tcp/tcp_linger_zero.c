/* SO_LINGER {1, 0}: close sends RST; the peer's read sees ECONNRESET. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  SHOW(send(s, "data", 4, 0));
  PEER_SHOW("wait 9 rx=4");
  struct linger l = {1, 0};
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l));
  struct linger g;
  socklen_t gl = sizeof g;
  SHOW(getsockopt(s, SOL_SOCKET, SO_LINGER, &g, &gl));
  SAY("linger onoff %d linger %d len %u", g.l_onoff, g.l_linger, (unsigned)gl);
  SHOW(close(s));
  PEER_SHOW("wait 9 closed");
  return 0;
}
