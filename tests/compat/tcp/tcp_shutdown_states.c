/* shutdown on sockets that are not connected: fresh (ENOTCONN), bound,
 * listening (Linux closes the listener), a bad "how" (EINVAL). */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW(shutdown(s, SHUT_WR));
  SHOW(shutdown(s, SHUT_RD));
  SHOW(shutdown(s, 7));
  struct sockaddr_in a = sin_of(US, 20120);
  MUST(bind(s, SA(a), sizeof a));
  SHOW(shutdown(s, SHUT_RDWR));
  int l = tcp_listener(US, 20121, 4);
  SHOW(shutdown(l, SHUT_WR));
  show_tcp_state("listener after SHUT_WR", l);
  SHOW(shutdown(l, SHUT_RD));
  show_tcp_state("listener after SHUT_RD", l);
  show_poll_now("listener", l);
  set_nonblock(l, 1);
  SHOW(accept(l, NULL, NULL));
  int c = tcp_socket();
  SHOW(shutdown(c, 7));
  return 0;
}
