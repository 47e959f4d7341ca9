/* The peer closes with our data unread (port 15): we get its RST: recv
 * ECONNRESET, send EPIPE. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(UNREAD_PORT);
  SHOW(send(s, "never read", 10, 0));
  show_poll_when("after the peer's close", s, POLLERR);
  show_recv("s", s, 16, 0);
  show_recv("s", s, 16, 0);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  return 0;
}
