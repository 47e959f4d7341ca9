/* The peer resets an established connection: poll shows
 * IN|OUT|ERR|HUP|RDHUP, recv gives ECONNRESET once, then 0. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  SHOW(send(s, "data", 4, 0));
  PEER_SHOW("wait 9 rx=4");
  PEER_SHOW("rst 9");
  show_poll_when("after RST", s, POLLERR);
  show_recv("s", s, 16, 0);
  show_poll_now("after ECONNRESET", s);
  show_recv("s", s, 16, 0);
  show_recv("s", s, 16, 0);
  show_so_error("s", s);
  show_tcp_state("s", s);
  show_peer("s", s);
  show_name("s", s);
  return 0;
}
