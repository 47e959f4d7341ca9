/* poll on a listener: nothing, then IN once a connection waits, nothing after accept. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "l");
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(l, (struct sockaddr*)&a, la);
  listen(l, 4);
  show_poll("listening", l);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW(connect(c, (struct sockaddr*)&a, la));
  struct pollfd p = {l, POLLIN, 0};
  SHOW(poll(&p, 1, 2000));
  show_revents("listener with a connection", p.revents);
  int s = accept(l, NULL, NULL);
  show_poll("after accept", l);
  (void)s;
  return 0;
}
