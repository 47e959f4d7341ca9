/* The chapter's shape: a server accepts in a loop and forks a child per
 * connection; the child reads a request, answers and exits; the server
 * closes its copy and reaps. Three clients connect one after another. */
#include "../compat.h"
static void serve(int l) {
  for (int i = 0; i < 3; i++) {
    int ns = (int)accept(l, NULL, NULL);
    if (ns < 0) { say("server: accept -1 %s", errname(errno)); _exit(1); }
    pid_t p = compat_fork();
    if (p == 0) {
      close(l);
      char buf[64];
      ssize_t n = read(ns, buf, sizeof buf - 1);
      if (n < 0) _exit(1);
      char out[96];
      int m = snprintf(out, sizeof out, "child %d served %.*s", i, (int)n, buf);
      if (write_all(ns, out, (size_t)m) < 0) _exit(2);
      _exit(0);
    }
    close(ns);
  }
  int bad = 0;
  for (int i = 0; i < 3; i++) {
    int st;
    if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
  }
  _exit(bad);
}
int main(void) {
  struct sockaddr_un sa;
  socklen_t sl;
  int l = listener_at(&sa, &sl, "server", SOCK_STREAM, 2);
  pid_t srv = compat_fork();
  if (srv == 0) serve(l);
  SHOW(close(l));
  for (int i = 0; i < 3; i++) {
    int c = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
    SHOW(connect(c, (struct sockaddr *)&sa, sl));
    char req[16];
    int m = snprintf(req, sizeof req, "request %d", i);
    SHOW(write(c, req, (size_t)m));
    char buf[128];
    ssize_t n = read_full(c, buf, sizeof buf);
    show_data("client read to EOF", buf, n);
    close(c);
  }
  say("server %s", wait_str(srv));
  return 0;
}
