/* shutdown(SHUT_RD): recv returns 0 at once, poll shows IN|RDHUP; what the
 * peer sends afterwards is as Linux handles it; writes still flow. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  SHOW(shutdown(s, SHUT_RD));
  show_poll_now("after SHUT_RD", s);
  show_recv("s", s, 16, MSG_DONTWAIT);
  SHOW(send(s, "echoed", 6, 0));
  PEER_SHOW("wait 7 rx=6");
  msleep(200);
  show_poll_now("echo arrived", s);
  show_recv("s", s, 16, MSG_DONTWAIT);
  show_tcp_state("s", s);
  return 0;
}
