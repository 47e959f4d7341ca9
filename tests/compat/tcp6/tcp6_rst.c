/* Resets over IPv6: the peer's reset service closes with RST at once:
 * read ECONNRESET (then EOF), SO_ERROR, poll bits, write EPIPE; a peer that
 * gets data it never reads resets; our own SO_LINGER 0 close resets the
 * peer. */
#include "tcp6_compat.h"
int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int s = connect_peer6(RESET_PORT);
  show_poll_when("reset", s, POLLHUP | POLLERR);
  show_recv("reset", s, 10, 0);
  show_recv("reset again", s, 10, 0);
  show_so_error("reset", s);
  SHOW(send(s, "x", 1, 0));
  show_tcp_state("reset", s);
  close(s);
  int u = connect_peer6(UNREAD_PORT);
  SHOW(send(u, "unread data", 11, 0));
  show_poll_when("unread", u, POLLHUP | POLLERR);
  show_so_error("unread", u);
  show_recv("unread", u, 10, 0);
  close(u);
  int h = connect_peer6(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  struct linger lg = {1, 0};
  SHOW(setsockopt(h, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  SHOW(close(h));
  PEER_SHOW("wait 11 err");
  return 0;
}
