/* splice: socket -> pipe (the peer's bulk stream) and pipe -> socket (to
 * discard), checking the bytes. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(BULK_PORT);
  int p[2];
  MUST(pipe(p));
  static unsigned char b[65536];
  long total = 0;
  unsigned long pos = 0;
  int ok = 1;
  for (int i = 0; i < 100000; i++) {
    ssize_t n = splice(s, NULL, p[1], NULL, 65536, 0);
    if (n <= 0) { if (n < 0) SAY("splice = -1 %s", errname(errno)); break; }
    ssize_t r = read_full(p[0], b, (size_t)n);
    if (r != n || !pattern_ok(b, (size_t)n, pos)) ok = 0;
    pos += (unsigned long)n;
    total += n;
  }
  SAY("spliced in %ld, pattern %s", total, ok ? "ok" : "BAD");
  int d = connect_peer(DISCARD_PORT);
  long out = 0;
  for (int i = 0; i < 20; i++) {
    pattern_fill(b, 10000, (unsigned long)out);
    MUST(write_all(p[1], b, 10000));
    ssize_t n = splice(p[0], NULL, d, NULL, 10000, 0);
    if (n != 10000) { SAY("splice out = %zd %s", n, errname(errno)); break; }
    out += n;
  }
  SAY("spliced out %ld", out);
  PEER_SHOW("wait 9 rx=200000");
  return 0;
}
