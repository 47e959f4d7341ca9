/* SO_SNDBUF 32768 (Linux doubles it), the peer never reads and has a small
 * window (port 16): nonblocking sends until EAGAIN; what was accepted, relative to the
 * SO_SNDBUF value, only as a range (within 2x of Linux's half); no POLLOUT
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
  /* Linux accepts about half of the (doubled) SO_SNDBUF, what was asked
   * for: the issue wants the shim within 2x of that, 1/4 to 1. */
  SAY("accepted / SO_SNDBUF: %s", r < 0.25 ? "under 1/4" : r <= 1 ? "1/4 to 1" : "over 1");
  poll_show("full", s, POLLOUT, 0);
  /* The peer drains its 2 KiB window until it has all the program wrote.
   * How much each of its reads finds is timing (the kernel's sender answers
   * a window update within the peer's read() over veth), so only the sum is
   * shown; bounded. */
  long got = 0;
  for (int i = 0; i < 1000 && got < total; i++) {
    long n = 0;
    if (sscanf(peer("read 16"), "read=%ld", &n) == 1) got += n;
    if (got < total) msleep(5);
  }
  SAY("peer read all that was accepted: %s", got == total ? "yes" : "no");
  show_poll_when("after the peer read", s, POLLOUT);
  return 0;
}
