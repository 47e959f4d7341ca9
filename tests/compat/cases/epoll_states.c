/* epoll, level- and edge-triggered side by side, on the four states: a
 * listener (idle, connection pending, after accept), a connected socket
 * (idle, data, drained), a half-closed one (peer did SHUT_WR) and one whose
 * peer closed. Edge-triggered reports a change once; level repeats. */
#include "../compat.h"
static int ep_for(int fd, uint32_t extra) {
  int ep = (int)MUST(epoll_create1(EPOLL_CLOEXEC));
  struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | extra, .data.u32 = 1};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e));
  return ep;
}
static void both(const char *what, int lt, int et) {
  char l1[64], l2[64];
  snprintf(l1, sizeof l1, "LT %s", what);
  snprintf(l2, sizeof l2, "ET %s", what);
  show_epoll(l1, lt, 0);
  show_epoll(l2, et, 0);
}
int main(void) {
  struct sockaddr_un a;
  socklen_t al;
  int l = listener_at(&a, &al, "l", SOCK_STREAM, 4);
  int llt = ep_for(l, 0), let = ep_for(l, EPOLLET);
  both("listener idle", llt, let);
  int c = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  MUST(connect(c, (struct sockaddr *)&a, al));
  await(l, POLLIN);
  both("listener pending", llt, let);
  both("listener pending again", llt, let);
  int s = (int)MUST(accept(l, NULL, NULL));
  both("listener after accept", llt, let);

  int lt = ep_for(s, 0), et = ep_for(s, EPOLLET);
  both("connected idle", lt, et);
  both("connected idle again", lt, et);
  MUST(write(c, "data", 4));
  await(s, POLLIN);
  both("connected with data", lt, et);
  both("connected with data again", lt, et);
  char buf[8];
  MUST(read(s, buf, sizeof buf));
  both("connected drained", lt, et);
  MUST(shutdown(c, SHUT_WR));
  await(s, POLLRDHUP);
  both("half-closed", lt, et);
  both("half-closed again", lt, et);
  SHOW(read(s, buf, sizeof buf));
  SHOW(write(s, "back", 4));
  SHOW(read(c, buf, sizeof buf));
  MUST(close(c));
  await(s, 0);
  both("peer closed", lt, et);
  both("peer closed again", lt, et);
  return 0;
}
