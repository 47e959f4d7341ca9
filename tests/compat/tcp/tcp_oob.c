/* Urgent data over 127.0.0.1: MSG_OOB sends one byte out of band; the
 * receiver sees POLLPRI, SIOCATMARK at the mark, recv(MSG_OOB) gets it once,
 * normal data around it. */
#include "tcp_compat.h"
int main(void) {
  int b;
  int a = loop_pair(20210, &b);
  SHOW(send(a, "ab", 2, 0));
  SHOW(send(a, "c", 1, MSG_OOB));
  SHOW(send(a, "de", 2, 0));
  msleep(200);
  show_poll_now("b", b);
  int mark = -1;
  SHOW(ioctl(b, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
  show_recv("b oob", b, 8, MSG_OOB);
  show_recv("b oob again", b, 8, MSG_OOB);
  show_recv("b", b, 8, 0);
  SHOW(ioctl(b, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
  show_recv("b", b, 8, MSG_DONTWAIT);
  show_recv("b oob none", b, 8, MSG_OOB | MSG_DONTWAIT);
  return 0;
}
