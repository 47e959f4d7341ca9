/* sendto with an address on a connected socket: Linux ignores the address
 * (EISCONN only for a different one? printed as it is); recvfrom gives no
 * address; sendmsg with msg_name. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  struct sockaddr_in other = sin_of(PEER, DISCARD_PORT);
  SHOW(sendto(s, "ab", 2, 0, SA(other), sizeof other));
  struct sockaddr_in from;
  memset(&from, 0x55, sizeof from);
  socklen_t fl = sizeof from;
  char b[8];
  await_ms(s, POLLIN, 3000);
  msleep(100);
  SHOW(recvfrom(s, b, sizeof b, 0, SA(from), &fl));
  SAY("from length %u", (unsigned)fl);
  return 0;
}
