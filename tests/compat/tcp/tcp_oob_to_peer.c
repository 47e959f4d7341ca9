/* Urgent data to the kernel peer over the link, in the middle of a larger
 * write: the peer (no SO_OOBINLINE) drops exactly the urgent byte from its
 * stream, so its count says the pointer named the right byte; a write of
 * several bytes with MSG_OOB makes its last byte urgent. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  static char big[20000];
  memset(big, 'a', sizeof big);
  SHOW(send(s, big, sizeof big, 0));
  SHOW(send(s, "xyz", 3, MSG_OOB));
  PEER_SHOW("wait 9 rx=20002");
  SHOW(send(s, big, 1000, 0));
  SHOW(send(s, "!", 1, MSG_OOB));
  SHOW(send(s, "end", 3, 0));
  PEER_SHOW("wait 9 rx=21005");
  msleep(200);  /* nothing more comes */
  PEER_SHOW("stat 9");
  return 0;
}
