/* Data over IPv6 in volume: the greet service's line then EOF; 1 MiB of
 * pattern from the bulk service arrives complete and in order; 1 MiB to
 * the discard service arrives (the peer counts it). */
#include "tcp6_compat.h"
static unsigned char buf[1 << 20];
int main(void) {
  int g = connect_peer6(GREET_PORT);
  char line[64];
  ssize_t n = recv_n(g, line, 16, 3000);
  SAY("greet: %zd %s", n, data_str(line, n));
  await_recv("greet eof", g, 10, 0);
  close(g);
  int b = connect_peer6(BULK_PORT);
  unsigned long pos = 0;
  int ok = 1, end = -1;
  long got = read_to_end(b, &pos, &ok, &end, 5000);
  SAY("bulk: %ld bytes, pattern %s, end %s", got, ok ? "ok" : "BAD", errname(end));
  close(b);
  int d = connect_peer6(DISCARD_PORT);
  pattern_fill(buf, sizeof buf, 0);
  SAY("write_all 1 MiB = %d", write_all(d, buf, sizeof buf));
  SHOW(shutdown(d, SHUT_WR));
  PEER_SHOW("wait 9 eof 10000");
  close(d);
  return 0;
}
