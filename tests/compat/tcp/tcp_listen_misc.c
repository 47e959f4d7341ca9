/* listen without bind picks an ephemeral port; listen twice is fine;
 * connect on a listener; SO_ACCEPTCONN; accept on a non-listener. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW_OPT(s, SOL_SOCKET, SO_ACCEPTCONN);
  SHOW(accept(s, NULL, NULL));
  SHOW(listen(s, 4));
  show_name("s", s);
  SHOW(listen(s, 8));
  SHOW_OPT(s, SOL_SOCKET, SO_ACCEPTCONN);
  show_tcp_state("s", s);
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  int c = connect_peer(ECHO_PORT);
  SHOW(listen(c, 4));
  SHOW(accept(c, NULL, NULL));
  SHOW_OPT(c, SOL_SOCKET, SO_ACCEPTCONN);
  return 0;
}
