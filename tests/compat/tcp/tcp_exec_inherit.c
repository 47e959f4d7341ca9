/* A connected socket survives exec (no CLOEXEC): the new image writes to
 * it; the peer receives. */
#include "tcp_compat.h"
int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "child") == 0) {
    int fd = atoi(argv[2]);
    SHOW(send(fd, "after exec", 10, 0));
    show_peer("inherited", fd);
    return 0;
  }
  int s = connect_peer(DISCARD_PORT);
  pid_t p = compat_fork();
  if (p == 0) {
    char num[16];
    snprintf(num, sizeof num, "%d", s);
    char *args[] = {"child", num, NULL};
    compat_reexec(args);
  }
  SAY("child: %s", wait_str(p));
  PEER_SHOW("wait 9 rx=10");
  return 0;
}
