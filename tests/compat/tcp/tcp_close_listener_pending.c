/* Closing a listener with connections not yet accepted resets them: the
 * peer sees ECONNRESET. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20270, 4);
  PEER_SHOW("connect " US " 20270 hold 3000");
  await_ms(l, POLLIN, 3000);
  SHOW(close(l));
  PEER_SHOW("wait out err");
  int m = tcp_socket();
  struct sockaddr_in a = sin_of(US, 20270);
  SHOW(bind(m, SA(a), sizeof a));
  return 0;
}
