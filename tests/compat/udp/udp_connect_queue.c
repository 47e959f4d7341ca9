/* Datagrams queued before connect stay queued and readable after it, even
 * those from sources the connected socket would now refuse; later ones
 * from such sources are dropped. */
#include "udp_compat.h"
int main(void) {
  int s = udp_bound(US, 20320);
  peer_send(US, 20320, 5006, "early from 5006");
  peer_send(US, 20320, ECHO_PORT, "early from 7");
  await(s, POLLIN);
  sleep_ms(100);
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(echo), sizeof echo));
  peer_send(US, 20320, 5006, "late from 5006");
  peer_send(US, 20320, ECHO_PORT, "late from 7");
  sleep_ms(100);
  drain("s", s);
  return 0;
}
