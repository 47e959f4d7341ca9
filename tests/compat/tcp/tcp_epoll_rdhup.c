/* EPOLLRDHUP and EPOLLIN on the peer's FIN with data still queued; after
 * reading the data, still EPOLLIN|EPOLLRDHUP (EOF is readable). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(GREET_PORT);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  await_ms(s, POLLRDHUP, 3000);
  show_epoll("FIN with data", ep, 0);
  show_recv("s", s, 64, 0);
  show_epoll("data read", ep, 0);
  show_recv("s", s, 64, 0);
  show_epoll("EOF read", ep, 0);
  return 0;
}
