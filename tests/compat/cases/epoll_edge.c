/* edge-triggered epoll: one event per arrival, none while the data just sits. */
#include "../compat.h"
static int wait_n(int ep) {
  struct epoll_event ev[4];
  return epoll_wait(ep, ev, 4, 200);
}
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  int ep = epoll_create1(0);
  struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.fd = a};
  SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, a, &e));
  SAY("idle: %d", wait_n(ep));
  write(c, "one", 3);
  SAY("after write: %d", wait_n(ep));
  SAY("no new data: %d", wait_n(ep));
  write(c, "two", 3);
  SAY("after second write: %d", wait_n(ep));
  char buf[16];
  long n = read(a, buf, sizeof buf);
  show_data("read", buf, n);
  SAY("after read: %d", wait_n(ep));
  SHOW(shutdown(c, SHUT_WR));
  SAY("after peer SHUT_WR: %d", wait_n(ep));
  return 0;
}
