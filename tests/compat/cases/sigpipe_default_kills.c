/* with SIGPIPE at its default, a write to a closed peer kills the writer. */
#include "../compat.h"
int main(void) {
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  pid_t p = fork();
  if (p == 0) {
    signal(SIGPIPE, SIG_DFL);
    close(sv[1]);
    await(sv[0], 0);
    write(sv[0], "x", 1);
    _exit(0);
  }
  close(sv[0]);
  close(sv[1]);
  int st = 0;
  waitpid(p, &st, 0);
  SAY("child signaled %d signal %s", WIFSIGNALED(st), WIFSIGNALED(st) ? signame(WTERMSIG(st)) : "-");
  return 0;
}
