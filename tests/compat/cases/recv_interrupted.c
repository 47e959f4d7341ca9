/* A blocking recv interrupted by a signal: EINTR without SA_RESTART; with
 * SA_RESTART it resumes and returns the data sent after the signal. A
 * SO_RCVTIMEO-bounded recv is not restarted even with SA_RESTART (EINTR). */
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
/* A child that signals us once we sleep, then (if data) sends through fd. */
static pid_t poke(int fd, const char *data) {
  pid_t parent = getpid();
  pid_t p = compat_fork();
  if (p == 0) {
    wait_until_sleeping(parent);
    kill(parent, SIGUSR1);
    if (data) {
      msleep(100);
      if (write_all(fd, data, strlen(data)) < 0) _exit(1);
    }
    _exit(0);
  }
  return p;
}
int main(void) {
  int sv[2];
  MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  char buf[16];
  handler(0);
  pid_t p = poke(sv[1], NULL);
  SHOW(recv(sv[0], buf, sizeof buf, 0));
  SAY("signals %d, child %s", (int)hits, wait_str(p));

  handler(SA_RESTART);
  p = poke(sv[1], "after");
  ssize_t n = recv(sv[0], buf, sizeof buf, 0);
  show_data("restarted recv", buf, n);
  SAY("signals %d, child %s", (int)hits, wait_str(p));

  struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
  MUST(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  p = poke(sv[1], NULL);
  SHOW(recv(sv[0], buf, sizeof buf, 0));
  SAY("signals %d, child %s", (int)hits, wait_str(p));
  return 0;
}
