/* epoll and poll on IPv6 TCP through a connection's life (over ::1 and to
 * the peer): a listener turns readable when a client arrives; level- and
 * edge-triggered readiness for data, the peer's FIN (EPOLLRDHUP), a reset
 * (EPOLLERR|EPOLLHUP). */
#include "tcp6_compat.h"
int main(void) {
  int ep = (int)MUST(epoll_create1(0));
  int l = tcp6_listener(LOOP6, 20390, 4, -1);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
  show_epoll("listener idle", ep, 0);
  int c = tcp6_connected(LOOP6, 20390);
  show_epoll("listener with a client", ep, 3000);
  int a = (int)MUST(accept(l, NULL, NULL));
  MUST(epoll_ctl(ep, EPOLL_CTL_DEL, l, NULL));
  struct epoll_event ea = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = 2};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, a, &ea));
  show_epoll("accepted, edge", ep, 3000);
  show_epoll("accepted, edge, nothing new", ep, 0);
  SHOW(send(c, "abc", 3, 0));
  show_epoll("data", ep, 3000);
  show_epoll("data, edge consumed", ep, 0);
  SHOW(shutdown(c, SHUT_WR));
  show_epoll("FIN", ep, 3000);
  show_recv("a", a, 10, 0);
  show_recv("a", a, 10, 0);
  close(c);
  close(a);
  int p = connect_peer6(HOLD_PORT);
  struct epoll_event ep2 = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 3};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, p, &ep2));
  show_epoll("peer hold, level", ep, 3000);
  PEER_SHOW("wait 11 accepted");
  PEER_SHOW("text 11 some text");
  await_ms(p, POLLIN, 3000);
  show_epoll("peer sent", ep, 0);
  PEER_SHOW("rst 11");
  await_ms(p, POLLERR | POLLHUP, 3000);
  show_epoll("peer reset", ep, 0);
  show_recv("p", p, 100, 0);
  show_recv("p", p, 100, 0);
  show_epoll("after the reads", ep, 0);
  return 0;
}
