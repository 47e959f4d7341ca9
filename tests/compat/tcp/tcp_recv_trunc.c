/* MSG_TRUNC on TCP: Linux discards the bytes without copying them and
 * returns the count. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(GREET_PORT);
  await_ms(s, POLLRDHUP, 3000);
  SHOW(recv(s, NULL, 6, MSG_TRUNC));
  show_recv("s", s, 64, 0);
  return 0;
}
