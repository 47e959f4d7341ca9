/* poll after the peer shut down writing (IN RDHUP), and after we shut down both ways. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(shutdown(c, SHUT_WR));
  struct pollfd p = {a, POLLRDHUP, 0};
  SHOW(poll(&p, 1, 2000));
  show_poll("server, client shut writing", a);
  show_poll("client after its SHUT_WR", c);
  SHOW(shutdown(a, SHUT_WR));
  p.fd = c;
  SHOW(poll(&p, 1, 2000));
  show_poll("client, both shut", c);
  return 0;
}
