/* After a reset: the first write is ECONNRESET, the next raises SIGPIPE
 * (default action kills the child); with SIGPIPE ignored, EPIPE. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(DISCARD_PORT);
  PEER_SHOW("wait 9 accepted");
  PEER_SHOW("rst 9");
  await_ms(s, POLLERR, 3000);
  SHOW(write(s, "a", 1));
  pid_t p = compat_fork();
  if (p == 0) {
    signal(SIGPIPE, SIG_DFL);
    SHOW(write(s, "b", 1));
    _exit(0);
  }
  SAY("child: %s", wait_str(p));
  signal(SIGPIPE, SIG_IGN);
  SHOW(write(s, "c", 1));
  return 0;
}
