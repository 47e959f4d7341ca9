/* A blocking accept interrupted by a signal: EINTR without SA_RESTART; with
 * SA_RESTART the accept resumes and returns the connection made after the
 * signal. The signal comes from a child once we sleep in accept. Last, the
 * same with another signal's handler installed without SA_RESTART: only the
 * flags of the signal that came count. */
#include "../compat.h"
static volatile sig_atomic_t hits;
static void on_usr1(int s) { (void)s; hits++; }
static void handler(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = flags;
  MUST(sigaction(SIGUSR1, &sa, NULL));
}
static pid_t poke(const struct sockaddr_un *a, socklen_t al, int then_connect) {
  pid_t parent = getpid();
  pid_t p = compat_fork();
  if (p == 0) {
    wait_until_sleeping(parent);
    kill(parent, SIGUSR1);
    if (then_connect) {
      msleep(100);
      int c = socket(AF_UNIX, SOCK_STREAM, 0);
      if (connect(c, (const struct sockaddr *)a, al) < 0) _exit(1);
      if (write_all(c, "hello", 5) < 0) _exit(2);
    }
    _exit(0);
  }
  return p;
}
int main(void) {
  struct sockaddr_un a;
  socklen_t al;
  int l = listener_at(&a, &al, "l", SOCK_STREAM, 4);
  handler(0);
  pid_t p = poke(&a, al, 0);
  SHOW(accept(l, NULL, NULL));
  SAY("signals %d, child %s", (int)hits, wait_str(p));

  handler(SA_RESTART);
  p = poke(&a, al, 1);
  int s = (int)accept(l, NULL, NULL);
  SAY("restarted accept %s", s >= 0 ? "ok" : errname(errno));
  char buf[8];
  ssize_t n = s >= 0 ? read_full(s, buf, sizeof buf) : -1;
  show_data("read", buf, n);
  SAY("signals %d, child %s", (int)hits, wait_str(p));

  struct sigaction other;
  memset(&other, 0, sizeof other);
  other.sa_handler = on_usr1;
  MUST(sigaction(SIGUSR2, &other, NULL));  /* no SA_RESTART, never raised */
  p = poke(&a, al, 1);
  s = (int)accept(l, NULL, NULL);
  SAY("restarted accept with another handler around %s", s >= 0 ? "ok" : errname(errno));
  n = s >= 0 ? read_full(s, buf, sizeof buf) : -1;
  show_data("read", buf, n);
  SAY("signals %d, child %s", (int)hits, wait_str(p));
  return 0;
}
