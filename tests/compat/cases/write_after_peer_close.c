/* writing after the peer closed: EPIPE and SIGPIPE; with MSG_NOSIGNAL only EPIPE. */
#include "../compat.h"
static volatile sig_atomic_t pipes;
static void on_pipe(int s) { (void)s; pipes++; }
int main(void) {
  signal(SIGPIPE, on_pipe);
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(close(a));
  await(c, 0); /* POLLHUP: the close reached c (close_seen_at_once checks it is immediate) */
  SHOW(write(c, "x", 1));
  SAY("SIGPIPE count %d", (int)pipes);
  SHOW(send(c, "x", 1, MSG_NOSIGNAL));
  SAY("SIGPIPE count %d", (int)pipes);
  SHOW(send(c, "x", 1, 0));
  SAY("SIGPIPE count %d", (int)pipes);
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  SHOW(close(sv[1]));
  await(sv[0], 0);
  SHOW(send(sv[0], "y", 1, MSG_NOSIGNAL));
  SAY("SIGPIPE count %d", (int)pipes);
  return 0;
}
