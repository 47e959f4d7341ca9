/* RST while the peer is sending: data that arrived before the reset may be
 * discarded; recv ends with ECONNRESET (then 0). The peer sends 4000 bytes,
 * we read them, then it resets while we wait. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  PEER_SHOW("send 11 4000");
  char b[4000];
  ssize_t n = recv_n(s, b, sizeof b, 3000);
  SAY("got %zd, pattern %s", n, pattern_ok((unsigned char *)b, (size_t)n, 0) ? "ok" : "BAD");
  SHOW(send(s, "unread by the peer", 18, 0));
  PEER_SHOW("rst 11");
  show_poll_when("after RST", s, POLLERR);
  show_recv("s", s, 16, 0);
  show_recv("s", s, 16, 0);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  return 0;
}
