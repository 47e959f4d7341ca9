/* SOCK_CLOEXEC sockets are gone after exec; others stay. */
#include "../compat.h"
int main(int argc, char** argv) {
  if (argc == 4) {
    int a = atoi(argv[2]), b = atoi(argv[3]);
    SHOW(fcntl(a, F_GETFD));
    SHOW(fcntl(b, F_GETFD));
    SHOW(write(b, "kept", 4));
    return 0;
  }
  int sv[2], tv[2];
  SHOW(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  SHOW(socketpair(AF_UNIX, SOCK_STREAM, 0, tv));
  SHOW(fcntl(sv[0], F_GETFD));
  int s = SHOW(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  SHOW(fcntl(s, F_GETFD));
  pid_t p = fork();
  if (p == 0) {
    char x[16], y[16];
    snprintf(x, sizeof x, "%d", sv[0]);
    snprintf(y, sizeof y, "%d", tv[0]);
    execl("/proc/self/exe", argv[0], "child", x, y, (char*)NULL);
    _exit(127);
  }
  int st;
  waitpid(p, &st, 0);
  char buf[8];
  long n = read(tv[1], buf, sizeof buf);
  show_data("parent read", buf, n);
  return 0;
}
