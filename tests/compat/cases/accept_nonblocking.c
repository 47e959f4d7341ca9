/* accept on a nonblocking listener with nothing queued: EAGAIN (via fcntl and via SOCK_NONBLOCK). */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a, b;
  socklen_t la = path_name(&a, "l1"), lb = path_name(&b, "l2");
  int l = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(l, (struct sockaddr*)&a, la));
  SHOW(listen(l, 4));
  SHOW(fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK));
  SHOW(accept(l, NULL, NULL));
  SHOW(fcntl(l, F_GETFL) & O_NONBLOCK);
  int l2 = SHOW(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
  SHOW(bind(l2, (struct sockaddr*)&b, lb));
  SHOW(listen(l2, 4));
  SHOW(accept4(l2, NULL, NULL, SOCK_NONBLOCK));
  int c = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c, (struct sockaddr*)&b, lb));
  int n = SHOW(accept4(l2, NULL, NULL, SOCK_NONBLOCK));
  SHOW(fcntl(n, F_GETFL) & O_NONBLOCK);
  char buf[4];
  SHOW(read(n, buf, sizeof buf));
  return 0;
}
