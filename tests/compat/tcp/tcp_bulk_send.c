/* 2 MiB to the peer's discard port in big writes; the peer counts it all,
 * then sees our FIN. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  static unsigned char b[256 * 1024];
  pattern_fill(b, sizeof b, 0);
  int ok = 1;
  for (int i = 0; i < 8; i++) if (write_all(s, b, sizeof b) < 0) ok = 0;
  SAY("written: %s", ok ? "all" : "FAILED");
  SHOW(shutdown(s, SHUT_WR));
  PEER_SHOW("wait 9 eof 10000");
  return 0;
}
