/* shutdown(SHUT_RDWR): the peer gets FIN, we read 0, send EPIPE; poll
 * before and after the peer's FIN; shutdown again is fine. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  SHOW(shutdown(s, SHUT_RDWR));
  show_poll_now("after SHUT_RDWR", s);
  PEER_SHOW("wait 7 eof");
  show_poll_when("after the peer's FIN", s, POLLHUP);
  show_recv("s", s, 16, 0);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  SHOW(shutdown(s, SHUT_RDWR));
  SHOW(shutdown(s, SHUT_RD));
  /* The peer's FIN is on its way (the peer answered ours once it saw it):
   * the state after it, not the race with it (bounded wait, no output). */
  struct tcp_info ti;
  for (int i = 0; i < 200 && tcp_info_of(s, &ti) == 0 && ti.tcpi_state == 5 /* FIN_WAIT2 */; i++) msleep(10);
  show_tcp_state("s", s);
  return 0;
}
