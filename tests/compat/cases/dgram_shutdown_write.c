/* shutdown(SHUT_WR) on an AF_UNIX datagram socket: later sends are EPIPE
 * without SIGPIPE; the socket still receives. */
#include "../compat.h"
static volatile sig_atomic_t pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }
int main(void) {
  signal(SIGPIPE, on_pipe);
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
  SHOW(shutdown(sv[0], SHUT_WR));
  SHOW(send(sv[0], "x", 1, 0));
  SHOW(write(sv[0], "y", 1));
  SAY("SIGPIPE seen %d times", (int)pipes);
  SHOW(send(sv[1], "back", 4, 0));
  char buf[8];
  SHOW(recv(sv[0], buf, sizeof buf, 0));
  return 0;
}
