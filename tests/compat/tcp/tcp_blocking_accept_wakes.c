/* A blocking accept in a child wakes when the peer connects. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20280, 4);
  pid_t p = compat_fork();
  if (p == 0) {
    int c = (int)accept(l, NULL, NULL);
    SAY("child accept: %s", c >= 0 ? "ok" : errname(errno));
    if (c >= 0) await_recv("child", c, 32, 0);
    _exit(0);
  }
  wait_until_sleeping(p);
  const char *r = peer("connect " US " 20280 greet 3000");
  char keep[64];
  snprintf(keep, sizeof keep, "%s", r);
  SAY("child: %s", wait_str(p));
  SAY("peer: %s", keep);
  return 0;
}
