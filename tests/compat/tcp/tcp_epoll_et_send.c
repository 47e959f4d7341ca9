/* epoll edge-triggered around sends: a send that fits raises no EPOLLOUT
 * edge by itself (Linux wakes a writer for acknowledged room only after it
 * found the buffer full, tcp_check_space); the echo's arrival reports
 * EPOLLIN|EPOLLOUT; data nobody answers leaves the wait empty; a writer
 * that filled the buffer (EAGAIN) gets its EPOLLOUT edge once room comes
 * back. */
#include "tcp_compat.h"
static void wait_show(const char *label, int ep, int ms) { show_epoll(label, ep, ms); }
int main(void) {
  int s = connect_peer(ECHO_PORT);
  set_nonblock(s, 1);
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  wait_show("connected", ep, 0);
  SHOW(send(s, "ping", 4, 0));
  wait_show("echo", ep, 3000);
  show_recv("s", s, 16, 0);
  SHOW(send(s, "pong", 4, 0));
  wait_show("second echo", ep, 3000);
  show_recv("s", s, 16, 0);

  int d = connect_peer(DISCARD_PORT);
  set_nonblock(d, 1);
  int ed = (int)MUST(epoll_create1(0));
  struct epoll_event evd = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = 2};
  MUST(epoll_ctl(ed, EPOLL_CTL_ADD, d, &evd));
  wait_show("discard connected", ed, 0);
  SHOW(send(d, "nobody answers", 14, 0));
  wait_show("discard after send", ed, 500);
  SHOW(send(d, "still nobody", 12, 0));
  wait_show("discard after a second send", ed, 500);
  /* Fill it: nonblocking sends until EAGAIN (bounded), then the edge. */
  static char buf[65536];
  memset(buf, 'x', sizeof buf);
  long total = 0;
  int eagain = 0;
  for (int i = 0; i < 4096 && !eagain; i++) {
    ssize_t n = send(d, buf, sizeof buf, 0);
    if (n > 0) total += n;
    else eagain = n < 0 && errno == EAGAIN;
  }
  SAY("filled: %s", eagain ? "EAGAIN" : "never");
  wait_show("discard drained", ed, 5000);
  close(d);
  close(s);
  return 0;
}
