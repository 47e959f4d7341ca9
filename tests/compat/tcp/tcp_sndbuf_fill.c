/* SO_SNDBUF 32768 (Linux doubles it), the peer never reads and has a small
 * window (port 16): nonblocking sends until EAGAIN; what was accepted, relative to the
 * SO_SNDBUF value, only as a range (stacks may differ within 2x); no POLLOUT
 * while full; POLLOUT again once the peer reads. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW(set_int(s, SOL_SOCKET, SO_SNDBUF, 32768));
  SHOW_OPT(s, SOL_SOCKET, SO_SNDBUF);
  struct sockaddr_in a = sin_of(PEER, HOLD_SMALL_PORT);
  MUST(connect(s, SA(a), sizeof a));
  set_nonblock(s, 1);
  static char b[4096];
  long total = 0;
  int e = 0;
  for (int i = 0; i < 100000; i++) {
    ssize_t n = send(s, b, sizeof b, 0);
    if (n < 0) {
      if (errno == EAGAIN) {
        if (!(await_ms(s, POLLOUT, 300) & POLLOUT)) { e = errno = EAGAIN; break; }
        continue;
      }
      e = errno;
      break;
    }
    total += n;
  }
  SAY("ended with %s", errname(e));
  int sb = get_int(s, SOL_SOCKET, SO_SNDBUF);
  double r = (double)total / sb;
  SAY("accepted / SO_SNDBUF: %s", r < 0.5 ? "under 1/2" : r <= 2 ? "1/2 to 2" : "over 2");
  poll_show("full", s, POLLOUT, 0);
  PEER_SHOW("read 16");
  msleep(200);
  PEER_SHOW("read 16");
  show_poll_when("after the peer read", s, POLLOUT);
  return 0;
}
