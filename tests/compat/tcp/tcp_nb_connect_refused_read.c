/* Nonblocking connect to a closed port, the error taken by recv instead of
 * SO_ERROR: ECONNREFUSED once, then 0 bytes... as Linux says. */
#include "tcp_compat.h"
int main(void) {
  int s = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  struct sockaddr_in a = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  await_ms(s, POLLOUT, 3000);
  SHOW(recv(s, (char[4]){0}, 4, 0));
  SHOW(recv(s, (char[4]){0}, 4, 0));
  show_so_error("s", s);
  SHOW(connect(s, SA(a), sizeof a));
  await_ms(s, POLLOUT, 3000);
  SHOW(connect(s, SA(a), sizeof a));
  close(s);
  return 0;
}
