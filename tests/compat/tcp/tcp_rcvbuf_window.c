/* A small SO_RCVBUF on the listener bounds what the peer can push while we
 * do not read (FIONREAD as a ratio); then everything arrives intact. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_socket();
  MUST(set_int(l, SOL_SOCKET, SO_REUSEADDR, 1));
  SHOW(set_int(l, SOL_SOCKET, SO_RCVBUF, 16384));
  struct sockaddr_in a = sin_of(US, 20140);
  MUST(bind(l, SA(a), sizeof a));
  MUST(listen(l, 4));
  PEER_SHOW("connect " US " 20140 hold 3000");
  int c = (int)MUST(accept(l, NULL, NULL));
  int rb = get_int(c, SOL_SOCKET, SO_RCVBUF);
  SAY("accepted SO_RCVBUF %d", rb);
  PEER_SHOW("send out 500000");
  msleep(1000);
  int q = -1;
  SHOW(ioctl(c, FIONREAD, &q));
  double r = (double)q / rb;
  SAY("queued / SO_RCVBUF: %s", r <= 0 ? "nothing" : r < 0.25 ? "under 1/4" : r <= 2 ? "1/4 to 2" : "over 2");
  unsigned long pos = 0;
  int ok = 1;
  static unsigned char b[65536];
  long total = 0;
  for (int i = 0; i < 10000 && total < 500000; i++) {
    ssize_t n = recv_n(c, (char *)b, sizeof b < (size_t)(500000 - total) ? sizeof b : (size_t)(500000 - total), 3000);
    if (n <= 0) break;
    if (!pattern_ok(b, (size_t)n, pos)) ok = 0;
    pos += (unsigned long)n;
    total += n;
  }
  SAY("read %ld, pattern %s", total, ok ? "ok" : "BAD");
  return 0;
}
