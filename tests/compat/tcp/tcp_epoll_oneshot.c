/* EPOLLONESHOT: one report, then nothing until EPOLL_CTL_MOD re-arms. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(GREET_PORT);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u32 = 3};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  await_ms(s, POLLRDHUP, 3000);
  show_epoll("greeting and FIN", ep, 0);
  show_epoll("again", ep, 0);
  SHOW(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
  show_epoll("re-armed", ep, 0);
  return 0;
}
