/* Readiness of UDP sockets in poll, select and epoll (level and edge):
 * unbound, bound and empty, with datagrams, after they are read. */
#include "udp_compat.h"
int main(void) {
  int u = udp_socket();
  show_poll("unbound", u);
  show_select("unbound", u, 0);
  int r = udp_bound(LOOP, 20220), s = udp_socket();
  show_poll("bound, empty", r);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event lev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, r, &lev));
  int ee = (int)MUST(epoll_create1(0));
  struct epoll_event eev = {.events = EPOLLIN | EPOLLET, .data.u32 = 2};
  MUST(epoll_ctl(ee, EPOLL_CTL_ADD, r, &eev));
  show_epoll("level, empty", ep, 0);
  show_epoll("edge, empty", ee, 0);
  SENDTO(s, "one", LOOP, 20220);
  SENDTO(s, "two", LOOP, 20220);
  await(r, POLLIN);
  sleep_ms(200);
  show_poll("two queued", r);
  show_select("two queued", r, 0);
  show_epoll("level", ep, 0);
  show_epoll("level again", ep, 0);
  show_epoll("edge", ee, 100);
  show_epoll("edge again", ee, 0);
  show_recvfrom("r", r, 0);
  show_poll("one queued", r);
  show_epoll("edge after a read", ee, 0);
  SENDTO(s, "three", LOOP, 20220);
  await(r, POLLIN);
  show_epoll("edge after a new one", ee, 1000);
  drain("r", r);
  show_poll("read all", r);
  show_epoll("level, read all", ep, 0);
  struct pollfd p = {.fd = r, .events = POLLIN, .revents = 0};
  SHOW(poll(&p, 1, 100));
  return 0;
}
