/* poll after the peer closed: the survivor sees IN OUT HUP RDHUP (read gives 0). */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(close(c));
  struct pollfd p = {a, POLLRDHUP, 0};
  SHOW(poll(&p, 1, 2000));
  sleep_ms(50);
  show_poll("server, client closed", a);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  SHOW(write(sv[1], "z", 1));
  close(sv[1]);
  p.fd = sv[0];
  SHOW(poll(&p, 1, 2000));
  sleep_ms(50);
  show_poll("pair, peer closed with data left", sv[0]);
  return 0;
}
