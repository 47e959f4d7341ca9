/* dup of a connected socket: closing the original keeps the connection;
 * closing the last descriptor sends FIN. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  int d = (int)MUST(dup(s));
  SHOW(close(s));
  SHOW(send(d, "via dup", 7, 0));
  PEER_SHOW("wait 9 rx=7");
  PEER_SHOW("stat 9");
  SHOW(close(d));
  PEER_SHOW("wait 9 eof");
  return 0;
}
