/* listen(1): nonblocking connects succeed until the queue is full (backlog + 1), then EAGAIN;
 * accepting one makes room for one more. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "l");
  int l = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(l, (struct sockaddr*)&a, la));
  SHOW(listen(l, 1));
  int ok = 0, i;
  for (i = 0; i < 6; i++) {
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(c, (struct sockaddr*)&a, la);
    SAY("connect %d: %s", i, r == 0 ? "ok" : errname(errno));
    if (r == 0) ok++;
  }
  SAY("queued %d", ok);
  int x = SHOW(accept(l, NULL, NULL) >= 0);
  (void)x;
  int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int r = connect(c, (struct sockaddr*)&a, la);
  SAY("after accept: %s", r == 0 ? "ok" : errname(errno));
  return 0;
}
