/* 1 MiB from the peer's bulk port, pattern checked, ended by its FIN. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(BULK_PORT);
  unsigned long pos = 0;
  int ok = 1, end;
  long n = read_to_end(s, &pos, &ok, &end, 5000);
  SAY("received %ld pattern %s end %s", n, ok ? "ok" : "BAD", errname(end));
  show_poll_now("at EOF", s);
  return 0;
}
