/* The exact poll bits after a reset for each requested event set: only
 * POLLIN; only POLLOUT; nothing requested (ERR and HUP always reported). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(RESET_PORT);
  await_ms(s, POLLERR, 3000);
  poll_show("POLLIN", s, POLLIN, 0);
  poll_show("POLLOUT", s, POLLOUT, 0);
  poll_show("none", s, 0, 0);
  poll_show("POLLRDHUP", s, POLLRDHUP, 0);
  return 0;
}
