/* a forked child creates and uses its own sockets (its own daemon connection). */
#include "../compat.h"
int main(void) {
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  pid_t p = fork();
  if (p == 0) {
    int q[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, q)) _exit(1);
    write(q[0], "inner", 5);
    char buf[8];
    long n = read(q[1], buf, sizeof buf);
    write(sv[1], buf, (size_t)n);
    _exit(0);
  }
  char buf[8];
  long n = read(sv[0], buf, sizeof buf);
  show_data("parent read", buf, n);
  int st;
  waitpid(p, &st, 0);
  SAY("child exit %d", WEXITSTATUS(st));
  int t[2];
  SHOW(socketpair(AF_UNIX, SOCK_STREAM, 0, t));
  return 0;
}
