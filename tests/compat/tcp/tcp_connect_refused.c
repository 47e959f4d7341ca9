/* connect to a port without a listener: ECONNREFUSED (blocking), and the
 * socket can connect again afterwards; SO_ERROR is clear. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct sockaddr_in a = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  show_so_error("s", s);
  show_tcp_state("s", s);
  show_peer("s", s);
  show_poll_now("s after refusal", s);
  struct sockaddr_in e = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  show_peer("s", s);
  SHOW(send(s, "again", 5, 0));
  await_recv("s", s, 16, 0);
  close(s);
  return 0;
}
