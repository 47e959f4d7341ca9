/* shutdown on an unconnected UDP socket is ENOTCONN, but Linux marks it
 * shut all the same (inet_shutdown): after SHUT_RD poll says POLLRDHUP
 * and recv returns 0 at once; after SHUT_WR sending is EPIPE. */
#include "udp_compat.h"
int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int u = udp_bound(LOOP, 20245);
  show_poll("u", u);
  SHOW(shutdown(u, SHUT_RD));
  show_poll("u after SHUT_RD", u);
  SHOW(recv(u, (char[8]){0}, 8, 0));
  SHOW(shutdown(u, 7));
  int w = udp_socket();
  SHOW(shutdown(w, SHUT_WR));
  show_poll("w after SHUT_WR", w);
  SENDTO(w, "x", LOOP, 20245);
  SHOW(shutdown(w, SHUT_RDWR));
  show_poll("w after SHUT_RDWR", w);
  return 0;
}
