/* A connected socket shared with a child across fork: the child writes,
 * the parent reads the echo; closing one copy does not close the
 * connection. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  pid_t p = compat_fork();
  if (p == 0) {
    SHOW(send(s, "from child", 10, 0));
    close(s);
    _exit(0);
  }
  SAY("child: %s", wait_str(p));
  char b[16];
  SHOW(recv_n(s, b, 10, 3000));
  SAY("echo %s", data_str(b, 10));
  SHOW(send(s, "parent", 6, 0));
  SHOW(recv_n(s, b, 6, 3000));
  return 0;
}
