/* Nonblocking connects watched with select and epoll: one to the echo port
 * (writable), one to a closed port (readable, writable; EPOLLERR|EPOLLHUP). */
#include "tcp_compat.h"
int main(void) {
  int ok = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  int bad = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, ok, &ev));
  ev.data.u32 = 2;
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, bad, &ev));
  show_epoll("before connect", ep, 0);
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT), c = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(ok, SA(a), sizeof a));
  SHOW(connect(bad, SA(c), sizeof c));
  await_ms(ok, POLLOUT, 3000);
  await_ms(bad, POLLOUT, 3000);
  show_select("ok", ok, 0);
  show_select("bad", bad, 0);
  show_epoll("after", ep, 0);
  show_so_error("bad", bad);
  show_epoll("after SO_ERROR", ep, 0);
  return 0;
}
