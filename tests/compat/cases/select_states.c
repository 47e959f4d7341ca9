/* select on a listener and on connected sockets as connections and data
 * arrive, after the peer shut down writing, after both shut, after the peer
 * closed. */
#include "../compat.h"
static void sel(const char* what, int fd) {
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(fd, &r);
  FD_SET(fd, &w);
  struct timeval tv = {0, 0};
  int n = select(fd + 1, &r, &w, NULL, &tv);
  SAY("%s: select %d readable %d writable %d", what, n, FD_ISSET(fd, &r) ? 1 : 0, FD_ISSET(fd, &w) ? 1 : 0);
}
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "l");
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(l, (struct sockaddr*)&a, la);
  listen(l, 4);
  sel("listener", l);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(c, (struct sockaddr*)&a, la);
  await(l, POLLIN);
  sel("listener with connection", l);
  int s = accept(l, NULL, NULL);
  sel("accepted", s);
  write(c, "x", 1);
  await(s, POLLIN);
  sel("accepted with data", s);
  char buf[4];
  SHOW(read(s, buf, sizeof buf));
  SHOW(shutdown(c, SHUT_WR));
  await(s, POLLRDHUP);
  sel("accepted, peer shut writing", s);
  SHOW(shutdown(s, SHUT_WR));
  await(c, POLLRDHUP);
  sel("client, both directions shut", c);
  close(c);
  await(s, 0); /* POLLHUP */
  sel("accepted, peer closed", s);
  return 0;
}
