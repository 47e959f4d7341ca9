/* A reset reaches the socket wherever it is held: the connection's fd,
 * moved to another number (dup, the first closed) and left to a forked
 * child alone (the parent, which connected it, closes its copy), still
 * polls IN|OUT|ERR|HUP|RDHUP when its peer closes with data unread, reads
 * ECONNRESET once then 0, and sends EPIPE.
 * Under tunsock the daemon finds the child's descriptor among the
 * descendants of the process that connected (stack/ipc/PROTOCOL.md
 * "Errors on a connection"). */
#include "../compat.h"
static void run(int type, const char *name) {
  SAY("-- %s", name);
  int l, c, a;
  connected_trio(type, name, &l, &c, &a);
  int moved = (int)MUST(fcntl(c, F_DUPFD, 100));
  SHOW(close(c));
  SHOW(write(moved, "unread", 6));
  struct sync go = sync_make(), done = sync_make();
  pid_t p = compat_fork();
  if (p == 0) {
    close(a);
    close(l);
    if (sync_wait(go) < 0) _exit(3);  /* the peer closed */
    await(moved, 0);
    show_poll("child", moved);
    char buf[16];
    SHOW(recv(moved, buf, sizeof buf, MSG_DONTWAIT));
    SHOW(recv(moved, buf, sizeof buf, MSG_DONTWAIT));
    SHOW(send(moved, "x", 1, MSG_NOSIGNAL));
    sync_post(done);
    _exit(0);
  }
  SHOW(close(moved));
  await(a, POLLIN);
  SHOW(close(a));
  sync_post(go);
  if (sync_wait(done) < 0) SAY("child did not finish");
  int st;
  waitpid(p, &st, 0);
  SAY("child exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  close(l);
}
int main(void) {
  run(SOCK_STREAM, "stream");
  run(SOCK_SEQPACKET, "seqpacket");
  return 0;
}
