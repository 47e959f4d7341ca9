/* Urgent data sent to the peer: the kernel peer (discard) counts the byte as
 * data (it does not set SO_OOBINLINE, so it is not counted) and nothing
 * else breaks. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  SHOW(send(s, "123", 3, 0));
  SHOW(send(s, "u", 1, MSG_OOB));
  SHOW(send(s, "456", 3, 0));
  PEER_SHOW("wait 9 rx=6");
  msleep(100);
  PEER_SHOW("stat 9");
  return 0;
}
