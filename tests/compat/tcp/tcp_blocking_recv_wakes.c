/* A blocking recv wakes when data arrives; another when the peer resets;
 * a signal interrupts a blocking recv with EINTR (no SA_RESTART). */
#include "tcp_compat.h"
static void on_usr1(int s) { (void)s; }
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  pid_t p = compat_fork();
  if (p == 0) {
    show_recv("child", s, 32, 0);
    show_recv("child", s, 32, 0);
    _exit(0);
  }
  wait_until_sleeping(p);
  peer("text 11 wake up");
  msleep(300);
  peer("rst 11");
  SAY("child: %s", wait_str(p));
  int t = connect_peer(HOLD_PORT);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  pid_t q = compat_fork();
  if (q == 0) {
    show_recv("child 2", t, 32, 0);
    _exit(0);
  }
  wait_until_sleeping(q);
  kill(q, SIGUSR1);
  SAY("child 2: %s", wait_str(q));
  return 0;
}
