/* Keepalive on an idle connection whose peer vanished: idle 1 s, interval
 * 1 s, 2 probes: the connection ends with ETIMEDOUT. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  MUST(set_int(s, SOL_SOCKET, SO_KEEPALIVE, 1));
  MUST(set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 1));
  MUST(set_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 1));
  MUST(set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 2));
  PEER_SHOW("blackhole 9");
  short r = await_ms(s, POLLERR, 12000);
  SAY("after waiting: %s", revents_str(r));
  show_so_error("s", s);
  show_recv("s", s, 16, 0);
  return 0;
}
