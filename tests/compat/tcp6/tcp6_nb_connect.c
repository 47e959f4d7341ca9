/* Nonblocking connect over IPv6: EINPROGRESS, EALREADY while in progress,
 * POLLOUT when done (poll and epoll), then EISCONN; SO_ERROR 0; a silent
 * port stays in progress (poll times out, TCP_INFO SYN_SENT); select. */
#include "tcp6_compat.h"
int main(void) {
  int s = tcp6_socket();
  set_nonblock(s, 1);
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  show_epoll("epoll", ep, 3000);
  SHOW(connect(s, SA(e), sizeof e));
  show_so_error("s", s);
  show_poll_now("s", s);
  show_peer6("s", s);
  SHOW(send(s, "nb", 2, 0));
  show_epoll("epoll after send", ep, 3000);
  await_recv("s", s, 10, 0);
  int q = tcp6_socket();
  set_nonblock(q, 1);
  struct sockaddr_in6 sil = sin6_of(PEER6, SILENT_PORT);
  SHOW(connect(q, SA(sil), sizeof sil));
  SHOW(connect(q, SA(sil), sizeof sil));
  poll_show("silent", q, POLLIN | POLLOUT, 500);
  show_tcp_state("silent", q);
  show_peer6("silent", q);
  show_name6("silent", q);
  show_select("silent", q, 200);
  SHOW(close(q));
  return 0;
}
