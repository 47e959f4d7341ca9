/* The peer accepts and resets at once: connect succeeds, then the error
 * shows (poll, recv ECONNRESET once, then 0). */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct sockaddr_in a = sin_of(PEER, RESET_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  show_poll_when("after RST", s, POLLERR);
  show_recv("s", s, 16, 0);
  show_recv("s", s, 16, 0);
  show_tcp_state("s", s);
  return 0;
}
