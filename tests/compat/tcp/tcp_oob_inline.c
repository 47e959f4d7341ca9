/* SO_OOBINLINE: the urgent byte stays in the stream; recv(MSG_OOB) is
 * EINVAL; SIOCATMARK tells where it is. */
#include "tcp_compat.h"
int main(void) {
  int b;
  int a = loop_pair(20211, &b);
  SHOW(set_int(b, SOL_SOCKET, SO_OOBINLINE, 1));
  SHOW_OPT(b, SOL_SOCKET, SO_OOBINLINE);
  SHOW(send(a, "xy", 2, 0));
  SHOW(send(a, "!", 1, MSG_OOB));
  msleep(200);
  show_recv("b oob", b, 8, MSG_OOB);
  int mark = -1;
  SHOW(ioctl(b, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
  show_recv("b", b, 8, 0);
  SHOW(ioctl(b, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
  show_recv("b", b, 8, MSG_DONTWAIT);
  return 0;
}
