/* parent and child share a connected socket; the parent's close does not disturb the child. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  struct sync go = sync_make();
  pid_t p = compat_fork();
  if (p == 0) {
    if (sync_wait(go) < 0) _exit(3);  /* after the parent closed its copy */
    write(c, "from child", 10);
    char buf[16];
    long n = read(c, buf, sizeof buf);
    (void)n;
    write(c, buf, (size_t)n);  /* echo what the server sent */
    _exit(0);
  }
  SHOW(write(c, "from parent ", 12));
  SHOW(close(c));
  sync_post(go);
  char buf[64];
  long n = read(a, buf, 12);
  show_data("server read", buf, n);
  n = read(a, buf, 10);
  show_data("server read", buf, n);
  SHOW(write(a, "echo", 4));
  n = read(a, buf, sizeof buf);
  show_data("server read", buf, n);
  int st;
  waitpid(p, &st, 0);
  n = read(a, buf, sizeof buf);
  show_data("after child exit", buf, n);
  return 0;
}
