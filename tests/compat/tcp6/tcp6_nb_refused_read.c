/* A nonblocking connect refused over IPv6, seen through the calls a
 * program makes next instead of SO_ERROR: read gives ECONNREFUSED once,
 * then the socket is unconnected (write EPIPE, read 0, getpeername
 * ENOTCONN); the same with epoll. */
#include "tcp6_compat.h"
int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int s = tcp6_socket();
  set_nonblock(s, 1);
  struct sockaddr_in6 c = sin6_of(PEER6, CLOSED_PORT);
  SHOW(connect(s, SA(c), sizeof c));
  await_ms(s, POLLOUT, 3000);
  show_recv("s", s, 10, 0);
  show_recv("s", s, 10, 0);
  SHOW(send(s, "x", 1, 0));
  show_peer6("s", s);
  show_poll_now("s", s);
  int t = tcp6_socket();
  set_nonblock(t, 1);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 5};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev));
  SHOW(connect(t, SA(c), sizeof c));
  show_epoll("t", ep, 3000);
  SHOW(send(t, "y", 1, 0));
  show_recv("t", t, 10, 0);
  show_epoll("t after", ep, 0);
  return 0;
}
