/* An accepted socket inherits the listener's SO_OOBINLINE and SO_LINGER:
 * the urgent byte stays in its stream (recv(MSG_OOB) EINVAL, the read
 * stops at the mark), and getsockopt shows both. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_socket();
  MUST(set_int(l, SOL_SOCKET, SO_REUSEADDR, 1));
  SHOW(set_int(l, SOL_SOCKET, SO_OOBINLINE, 1));
  struct linger lg = {1, 3};
  SHOW(setsockopt(l, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  struct sockaddr_in a = sin_of(LOOP, 20212);
  MUST(bind(l, SA(a), sizeof a));
  MUST(listen(l, 4));
  int c = tcp_connected(LOOP, 20212);
  int b = (int)MUST(accept(l, NULL, NULL));
  SHOW_OPT(b, SOL_SOCKET, SO_OOBINLINE);
  struct linger got = {-1, -1};
  socklen_t gl = sizeof got;
  SHOW(getsockopt(b, SOL_SOCKET, SO_LINGER, &got, &gl));
  SAY("linger %d %d", got.l_onoff, got.l_linger);
  SHOW(send(c, "pq", 2, 0));
  SHOW(send(c, "#", 1, MSG_OOB));
  SHOW(send(c, "rs", 2, 0));
  msleep(200);
  show_recv("b oob", b, 8, MSG_OOB | MSG_DONTWAIT);
  show_recv("b", b, 8, 0);
  int mark = -1;
  SHOW(ioctl(b, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
  show_recv("b", b, 8, 0);
  SHOW(close(c));
  return 0;
}
