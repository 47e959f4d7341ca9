/* epoll on a listener, LT and ET: one event per incoming connection (ET),
 * or as long as one is queued (LT). */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20110, 8);
  set_nonblock(l, 1);
  int lt = (int)MUST(epoll_create1(0)), et = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
  MUST(epoll_ctl(lt, EPOLL_CTL_ADD, l, &ev));
  ev.events = EPOLLIN | EPOLLET;
  MUST(epoll_ctl(et, EPOLL_CTL_ADD, l, &ev));
  show_epoll("lt, nothing", lt, 0);
  PEER_SHOW("connect " US " 20110 hold 3000");
  await_ms(l, POLLIN, 3000);
  show_epoll("lt, one", lt, 0);
  show_epoll("et, one", et, 0);
  show_epoll("et, again", et, 0);
  PEER_SHOW("connect " US " 20110 hold 3000");
  msleep(200);
  show_epoll("lt, two", lt, 0);
  show_epoll("et, second arrived", et, 0);
  CKOK(accept(l, NULL, NULL));
  show_epoll("lt, one left", lt, 0);
  CKOK(accept(l, NULL, NULL));
  show_epoll("lt, none", lt, 0);
  SHOW(accept(l, NULL, NULL));
  return 0;
}
