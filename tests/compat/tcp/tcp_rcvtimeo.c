/* SO_RCVTIMEO on a blocking recv: EAGAIN after the timeout; SO_SNDTIMEO on
 * a send into a full buffer: a partial count or EAGAIN. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  struct timeval tv = {0, 300000};
  SHOW(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  SHOW(recv(s, (char[8]){0}, 8, 0));
  struct timeval g;
  socklen_t gl = sizeof g;
  SHOW(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &g, &gl));
  SAY("rcvtimeo %ld.%06ld", (long)g.tv_sec, (long)g.tv_usec);
  SHOW(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  static char b[8 << 20];
  ssize_t n = send(s, b, sizeof b, 0);
  SAY("send 8 MiB: %s", n < 0 ? errname(errno) : n == (ssize_t)sizeof b ? "all" : n > 0 ? "partial" : "0");
  n = send(s, b, sizeof b, 0);
  SAY("send again: %s", n < 0 ? errname(errno) : n == (ssize_t)sizeof b ? "all" : n > 0 ? "partial" : "0");
  return 0;
}
