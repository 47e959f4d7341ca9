/* epoll level-triggered through a connection's life: every wait reports
 * what is there. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 7};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  show_epoll("connected", ep, 0);
  SHOW(send(s, "ping", 4, 0));
  await_ms(s, POLLIN, 3000);
  show_epoll("echo arrived", ep, 0);
  show_epoll("again", ep, 0);
  show_recv("s", s, 16, 0);
  show_epoll("after read", ep, 0);
  SHOW(shutdown(s, SHUT_WR));
  await_ms(s, POLLRDHUP, 3000);
  show_epoll("after the peer's FIN", ep, 0);
  show_epoll("again", ep, 0);
  show_recv("s", s, 16, 0);
  show_epoll("at the end", ep, 0);
  return 0;
}
