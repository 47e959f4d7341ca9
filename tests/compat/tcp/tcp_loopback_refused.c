/* 127.0.0.1 without a listener: ECONNREFUSED, blocking and not. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct sockaddr_in a = sin_of(LOOP, 20231);
  SHOW(connect(s, SA(a), sizeof a));
  int n = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  int r = connect(n, SA(a), sizeof a);
  SAY("nonblocking connect: %s", r == 0 ? "0" : errno == EINPROGRESS ? "EINPROGRESS" : errname(errno));
  if (r < 0 && errno == EINPROGRESS) await_ms(n, POLLOUT, 3000);
  show_so_error("n", n);
  return 0;
}
