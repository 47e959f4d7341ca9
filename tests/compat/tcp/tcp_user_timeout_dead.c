/* The peer vanishes (all its packets dropped) with our data unacknowledged;
 * TCP_USER_TIMEOUT 1000 ms ends the connection: POLLERR, recv ETIMEDOUT
 * once, then 0; send EPIPE. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  SHOW(set_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 1000));
  PEER_SHOW("wait 9 accepted");
  PEER_SHOW("blackhole 9");
  SHOW(send(s, "lost", 4, 0));
  short r = await_ms(s, POLLERR, 10000);
  SAY("after waiting: %s", revents_str(r));
  show_poll_now("s", s);
  show_recv("s", s, 16, 0);
  show_recv("s", s, 16, 0);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  show_tcp_state("s", s);
  return 0;
}
