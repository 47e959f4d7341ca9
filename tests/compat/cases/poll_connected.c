/* poll on connected stream sockets: OUT; IN when data waits; IN again after a partial read. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  show_poll("client", c);
  show_poll("server", a);
  SHOW(write(c, "abcd", 4));
  struct pollfd p = {a, POLLIN, 0};
  SHOW(poll(&p, 1, 2000));
  show_poll("server with data", a);
  char buf[2];
  SHOW(read(a, buf, 2));
  show_poll("server after partial read", a);
  SHOW(read(a, buf, 2));
  show_poll("server drained", a);
  int sv[2];
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
  show_poll("seqpacket pair", sv[0]);
  return 0;
}
