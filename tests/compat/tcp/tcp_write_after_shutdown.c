/* Writing after our own SHUT_WR: EPIPE with SIGPIPE (a child dies of it),
 * EPIPE without the signal under MSG_NOSIGNAL. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  SHOW(shutdown(s, SHUT_WR));
  pid_t p = compat_fork();
  if (p == 0) {
    signal(SIGPIPE, SIG_DFL);
    SHOW(write(s, "x", 1));
    _exit(0);
  }
  SAY("child: %s", wait_str(p));
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  struct iovec iov = {"y", 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  SHOW(sendmsg(s, &mh, MSG_NOSIGNAL));
  return 0;
}
