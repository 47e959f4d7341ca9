/* A nonblocking listener: EAGAIN while nothing is queued; accept4 flags:
 * the accepted socket does not inherit O_NONBLOCK unless SOCK_NONBLOCK. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20132, 4);
  set_nonblock(l, 1);
  SHOW(accept(l, NULL, NULL));
  PEER_SHOW("connect " US " 20132 hold 3000");
  PEER_SHOW("connect " US " 20132 hold 3000");
  await_ms(l, POLLIN, 3000);
  int a = (int)CKOK(accept(l, NULL, NULL));
  SAY("accept: O_NONBLOCK %s", fcntl(a, F_GETFL) & O_NONBLOCK ? "set" : "clear");
  await_ms(l, POLLIN, 3000);
  int b = (int)CKOK(accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
  SAY("accept4: O_NONBLOCK %s, FD_CLOEXEC %s", fcntl(b, F_GETFL) & O_NONBLOCK ? "set" : "clear",
      fcntl(b, F_GETFD) & FD_CLOEXEC ? "set" : "clear");
  SHOW(accept(l, NULL, NULL));
  SHOW(accept4(l, NULL, NULL, 0x4000000));
  return 0;
}
