/* Keepalive probes to a live peer are answered: the connection stays up
 * through several probe intervals and still carries data. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  MUST(set_int(s, SOL_SOCKET, SO_KEEPALIVE, 1));
  MUST(set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 1));
  MUST(set_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 1));
  MUST(set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 1));
  poll_show("3.5 s idle", s, POLLIN | POLLRDHUP, 3500);
  show_so_error("s", s);
  SHOW(send(s, "alive", 5, 0));
  char b[8];
  SHOW(recv_n(s, b, 5, 3000));
  show_tcp_state("s", s);
  return 0;
}
