/* Two sockets of the program over 127.0.0.1: names, data both ways,
 * half-close, EOF. */
#include "tcp_compat.h"
int main(void) {
  int b;
  int a = loop_pair(20230, &b);
  show_name("a", a);
  show_peer("a", a);
  show_name("b", b);
  show_peer("b", b);
  SHOW(send(a, "to b", 4, 0));
  await_recv("b", b, 16, 0);
  SHOW(send(b, "to a", 4, 0));
  await_recv("a", a, 16, 0);
  SHOW(shutdown(a, SHUT_WR));
  show_poll_when("b after a's FIN", b, POLLRDHUP);
  show_recv("b", b, 16, 0);
  SHOW(send(b, "still", 5, 0));
  await_recv("a", a, 16, 0);
  SHOW(close(b));
  show_poll_when("a after b's close", a, POLLRDHUP);
  show_recv("a", a, 16, 0);
  return 0;
}
