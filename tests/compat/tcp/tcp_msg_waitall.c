/* MSG_WAITALL waits for the whole amount across segments; at EOF it
 * returns what there is. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(BULK_PORT);
  static unsigned char b[300000];
  ssize_t n = recv(s, b, 200000, MSG_WAITALL);
  SAY("recv(200000, MSG_WAITALL) = %zd pattern %s", n, n > 0 && pattern_ok(b, (size_t)n, 0) ? "ok" : "BAD");
  unsigned long pos = 200000;
  ssize_t k = 0;
  long total = 200000;
  for (int i = 0; i < 10; i++) {
    k = recv(s, b, 300000, MSG_WAITALL);
    if (k <= 0) break;
    if (!pattern_ok(b, (size_t)k, pos)) SAY("pattern BAD");
    pos += (unsigned long)k;
    total += k;
  }
  SAY("total %ld, last recv %zd", total, k);
  return 0;
}
