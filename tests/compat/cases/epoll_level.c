/* level-triggered epoll: the event repeats until the data is read. */
#include "../compat.h"
static void wait_show(int ep, const char* what) {
  struct epoll_event ev[4];
  int n = epoll_wait(ep, ev, 4, 200);
  printf("%s: %d", what, n);
  for (int i = 0; i < n; i++)
    printf(" [fd %d%s%s%s%s]", ev[i].data.fd, ev[i].events & EPOLLIN ? " IN" : "", ev[i].events & EPOLLOUT ? " OUT" : "",
           ev[i].events & EPOLLHUP ? " HUP" : "", ev[i].events & EPOLLRDHUP ? " RDHUP" : "");
  printf("\n");
  fflush(stdout);
}
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = a};
  SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, a, &e));
  struct epoll_event el = {.events = EPOLLIN, .data.fd = l};
  SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, l, &el));
  wait_show(ep, "idle");
  write(c, "data", 4);
  wait_show(ep, "data");
  wait_show(ep, "data again");
  char buf[8];
  read(a, buf, sizeof buf);
  wait_show(ep, "after read");
  struct sockaddr_un sun;
  socklen_t len = sizeof sun;
  getsockname(l, (struct sockaddr*)&sun, &len);
  int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(c2, (struct sockaddr*)&sun, len);
  wait_show(ep, "connection waiting");
  close(c);
  await(a, 0); /* POLLHUP: close_seen_at_once checks that it is immediate */
  wait_show(ep, "peer closed");
  return 0;
}
