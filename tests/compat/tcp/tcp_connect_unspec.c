/* connect(AF_UNSPEC) on a connected socket disconnects it (the peer sees
 * a reset); the socket can connect again. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  struct sockaddr un = {.sa_family = AF_UNSPEC};
  SHOW(connect(s, &un, sizeof un));
  show_tcp_state("s", s);
  show_peer("s", s);
  PEER_SHOW("wait 9 closed");
  struct sockaddr_in e = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  SHOW(send(s, "again", 5, 0));
  await_recv("s", s, 16, 0);
  return 0;
}
