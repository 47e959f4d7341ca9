/* shutdown(SHUT_WR) on a UDP socket, connected or not: every later send is
 * EPIPE, without SIGPIPE (Linux signals broken pipes on connections only);
 * receiving still works. */
#include "udp_compat.h"
static volatile sig_atomic_t pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }
int main(void) {
  signal(SIGPIPE, on_pipe);
  int c = udp_bound(LOOP, 20251), o = udp_bound(LOOP, 20252);
  struct sockaddr_in oa = sin_of(LOOP, 20252), ca = sin_of(LOOP, 20251);
  SHOW(connect(c, SA(oa), sizeof oa));
  SHOW(shutdown(c, SHUT_WR));
  SHOW(send(c, "x", 1, 0));
  SHOW(sendto(c, "y", 1, 0, SA(oa), sizeof oa));
  SHOW(write(c, "z", 1));
  SAY("SIGPIPE seen %d times", (int)pipes);
  SHOW(sendto(o, "back", 4, 0, SA(ca), sizeof ca));
  await(c, POLLIN);
  show_recvfrom("c", c, MSG_DONTWAIT);
  int u = udp_socket();
  SHOW(shutdown(u, SHUT_WR));
  SHOW(sendto(u, "w", 1, 0, SA(oa), sizeof oa));
  SAY("SIGPIPE seen %d times", (int)pipes);
  return 0;
}
