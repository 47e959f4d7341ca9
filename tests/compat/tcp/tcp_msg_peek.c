/* MSG_PEEK leaves the data queued; partial peeks; FIONREAD unchanged. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(GREET_PORT);
  await_ms(s, POLLRDHUP, 3000);
  show_recv("peek 5", s, 5, MSG_PEEK);
  show_recv("peek all", s, 64, MSG_PEEK);
  int n = -1;
  SHOW(ioctl(s, FIONREAD, &n));
  SAY("FIONREAD %d", n);
  show_recv("read 6", s, 6, 0);
  show_recv("peek rest", s, 64, MSG_PEEK);
  show_recv("read rest", s, 64, 0);
  show_recv("peek at EOF", s, 64, MSG_PEEK);
  return 0;
}
