/* Nonblocking connect to a listening port: EINPROGRESS, then POLLOUT once
 * established; a second connect gives EISCONN; SO_ERROR 0. */
#include "tcp_compat.h"
int main(void) {
  int s = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  show_poll_when("s", s, POLLOUT);
  show_so_error("s", s);
  SHOW(connect(s, SA(a), sizeof a));
  SHOW(connect(s, SA(a), sizeof a));
  show_tcp_state("s", s);
  show_peer("s", s);
  close(s);
  return 0;
}
