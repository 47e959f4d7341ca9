/* a socket inherited across exec keeps working in the new program. */
#include "../compat.h"
int main(int argc, char** argv) {
  if (argc == 3) {  /* the exec'd program: argv[2] is the descriptor */
    int fd = atoi(argv[2]);
    SHOW(write(fd, "from exec", 9));
    char buf[16];
    long n = read(fd, buf, sizeof buf);
    show_data("exec read", buf, n);
    struct sockaddr_un sun;
    socklen_t len = sizeof sun;
    SHOW(getpeername(fd, (struct sockaddr*)&sun, &len));
    SAY("peer %s", addr_str(&sun, len));
    int t = 0;
    len = sizeof t;
    SHOW(getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &len));
    SAY("type %d", t);
    return 0;
  }
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  pid_t p = fork();
  if (p == 0) {
    char fdtext[16];
    snprintf(fdtext, sizeof fdtext, "%d", c);
    execl("/proc/self/exe", argv[0], "child", fdtext, (char*)NULL);
    _exit(127);
  }
  close(c);
  /* Collect first, print after the child is done: one transcript, one order. */
  char buf[16], got[16];
  long n = read(a, got, sizeof got);
  long w = write(a, "reply", 5);
  int st;
  waitpid(p, &st, 0);
  show_data("parent read", got, n);
  SAY("parent wrote %ld", w);
  SAY("child exit %d", WEXITSTATUS(st));
  SHOW(read(a, buf, sizeof buf));
  return 0;
}
