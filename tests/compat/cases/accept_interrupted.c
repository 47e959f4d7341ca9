/* a blocking accept interrupted by a signal: EINTR without SA_RESTART; restarted with it. */
#include "../compat.h"
static volatile sig_atomic_t hits;
static void on_alarm(int s) { (void)s; hits++; }
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "l");
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(l, (struct sockaddr*)&a, la);
  listen(l, 4);
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 100000}};
  setitimer(ITIMER_REAL, &it, NULL);
  SHOW(accept(l, NULL, NULL));
  SAY("signals %d", (int)hits);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  pid_t p = fork();
  if (p == 0) {
    sleep_ms(400);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr*)&a, la);
    _exit(0);
  }
  setitimer(ITIMER_REAL, &it, NULL);
  int s = accept(l, NULL, NULL);
  SAY("restarted accept ok %d signals %d", s >= 0, (int)hits);
  waitpid(p, NULL, 0);
  return 0;
}
