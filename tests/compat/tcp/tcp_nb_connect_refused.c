/* Nonblocking connect to a closed port: EINPROGRESS, then
 * POLLOUT|POLLERR|POLLHUP; SO_ERROR ECONNREFUSED once, then OK; connect again
 * reports the error state as Linux does. */
#include "tcp_compat.h"
int main(void) {
  int s = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  struct sockaddr_in a = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  show_poll_when("s", s, POLLOUT);
  show_select("s", s, 0);
  show_so_error("s", s);
  show_so_error("s again", s);
  show_poll_now("s after SO_ERROR", s);
  show_tcp_state("s", s);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  SHOW(recv(s, (char[4]){0}, 4, 0));
  close(s);
  return 0;
}
