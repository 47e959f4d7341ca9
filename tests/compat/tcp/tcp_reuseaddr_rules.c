/* Linux's TCP bind rules: two sockets with SO_REUSEADDR may bind one port
 * while neither listens; not once one listens; without SO_REUSEADDR never;
 * a wildcard and a specific address conflict. */
#include "tcp_compat.h"
static int sock_ra(int on) {
  int s = tcp_socket();
  MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, on));
  return s;
}
int main(void) {
  struct sockaddr_in me = sin_of(US, 20180), any = sin_of("0.0.0.0", 20180);
  int a = sock_ra(1), b = sock_ra(1), c = sock_ra(0);
  SHOW(bind(a, SA(me), sizeof me));
  SHOW(bind(b, SA(me), sizeof me));
  SHOW(bind(c, SA(me), sizeof me));
  SHOW(listen(a, 4));
  SHOW(listen(b, 4));
  int d = sock_ra(1);
  SHOW(bind(d, SA(me), sizeof me));
  SHOW(bind(d, SA(any), sizeof any));
  int e = sock_ra(0);
  SHOW(bind(e, SA(any), sizeof any));
  struct sockaddr_in lo = sin_of(LOOP, 20180);
  int f = sock_ra(0);
  SHOW(bind(f, SA(lo), sizeof lo));
  SHOW(listen(f, 4));
  return 0;
}
