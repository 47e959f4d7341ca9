/* connect to an address with no route (no default route here):
 * ENETUNREACH at once, blocking and not. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct sockaddr_in a = sin_of("203.0.113.9", 80);
  SHOW(connect(s, SA(a), sizeof a));
  int n = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  SHOW(connect(n, SA(a), sizeof a));
  show_tcp_state("s", s);
  return 0;
}
