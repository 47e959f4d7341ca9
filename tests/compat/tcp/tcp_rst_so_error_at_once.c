/* The peer resets the connection; SO_ERROR and TCP_INFO asked
 * right after the peer's answer, without waiting: the reset is there
 * already (Linux takes the RST in before the peer's close returns; tunsockd
 * reads what its TUN device holds before every request that reports a
 * socket's state). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  PEER_SHOW("rst 9");
  show_so_error("s", s);
  show_so_error("s", s);
  show_tcp_state("s", s);
  return 0;
}
