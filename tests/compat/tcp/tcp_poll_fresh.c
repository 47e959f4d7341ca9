/* Readiness of sockets that are not connected: a fresh one, a bound one, a
 * listener with and without a pending connection (poll, select, epoll). */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  show_poll_now("fresh", s);
  show_select("fresh", s, 0);
  int b = tcp_socket();
  struct sockaddr_in a = sin_of(US, 20101);
  SHOW(bind(b, SA(a), sizeof a));
  show_poll_now("bound", b);
  int l = tcp_listener(US, 20102, 4);
  show_poll_now("listener", l);
  show_select("listener", l, 0);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
  ev.data.u32 = 2;
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  show_epoll("fresh and listener", ep, 0);
  PEER_SHOW("connect " US " 20102 hold 3000");
  show_poll_when("listener with a connection", l, POLLIN);
  show_select("listener with a connection", l, 0);
  show_epoll("fresh and listener with a connection", ep, 0);
  int c = (int)MUST(accept(l, NULL, NULL));
  show_poll_now("listener after accept", l);
  show_poll_now("accepted", c);
  return 0;
}
