/* epoll edge-triggered: an event once per change, not again until new data
 * or a new state; reading part of the data does not re-arm it. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = 7};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  show_epoll("connected", ep, 0);
  show_epoll("again", ep, 0);
  SHOW(send(s, "ping", 4, 0));
  await_ms(s, POLLIN, 3000);
  show_epoll("echo arrived", ep, 0);
  show_epoll("again", ep, 0);
  show_recv("s, 2 of 4", s, 2, 0);
  show_epoll("after a partial read", ep, 0);
  SHOW(send(s, "more", 4, 0));
  char b[8];
  (void)recv_n(s, b, 0, 0);
  msleep(300);
  show_epoll("more echoed", ep, 0);
  show_recv("s", s, 16, 0);
  SHOW(shutdown(s, SHUT_WR));
  await_ms(s, POLLRDHUP, 3000);
  show_epoll("after the peer's FIN", ep, 0);
  show_epoll("again", ep, 0);
  return 0;
}
