/* The peer half-closes (shut) while we keep sending to it: we read EOF,
 * then send 100000 bytes that the peer still receives; then our FIN. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  PEER_SHOW("shut 9");
  show_poll_when("after the peer's FIN", s, POLLRDHUP);
  show_recv("s", s, 16, 0);
  static unsigned char b[100000];
  pattern_fill(b, sizeof b, 0);
  SHOW(write_all(s, b, sizeof b));
  PEER_SHOW("wait 9 rx=100000");
  SHOW(shutdown(s, SHUT_WR));
  PEER_SHOW("wait 9 eof");
  show_poll_now("at the end", s);
  return 0;
}
