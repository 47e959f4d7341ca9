/* SO_PEERCRED: the connecting process on the server side, the listener's on the client side. */
#include "../compat.h"
static void cred(const char* what, int fd, pid_t expect) {
  struct ucred u;
  socklen_t len = sizeof u;
  int r = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &len);
  if (r) { SAY("%s: %s", what, errname(errno)); return; }
  SAY("%s: len %d pid ok %d uid ok %d gid ok %d", what, (int)len, u.pid == expect, u.uid == getuid(),
      u.gid == getgid());
}
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "l");
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(l, (struct sockaddr*)&a, la);
  listen(l, 4);
  pid_t p = fork();
  if (p == 0) {
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr*)&a, la);
    cred("client sees listener", c, getppid());
    write(c, "x", 1);
    char b;
    read(c, &b, 1);
    _exit(0);
  }
  int s = accept(l, NULL, NULL);
  char b;
  read(s, &b, 1);
  cred("server sees client", s, p);
  write(s, "y", 1);
  waitpid(p, NULL, 0);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  cred("socketpair", sv[0], getpid());
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  struct ucred uc;
  socklen_t len = sizeof uc;
  SHOW(getsockopt(u, SOL_SOCKET, SO_PEERCRED, &uc, &len));
  SAY("unconnected: pid %d uid %d gid %d", uc.pid, (int)uc.uid, (int)uc.gid);
  return 0;
}
