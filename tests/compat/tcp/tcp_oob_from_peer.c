/* Urgent data from the kernel peer over the link: POLLPRI and select's
 * exceptfds, SIGURG to the F_SETOWN owner, SIOCATMARK, recv(MSG_OOB) once
 * (EINVAL after), the read stopping at the mark and skipping the byte;
 * then a second mark on the same connection. (SIGURG is blocked while the
 * peer is told what to send: it would interrupt the wait for its answer.) */
#include "tcp_compat.h"
#include <sys/select.h>
static volatile sig_atomic_t urgs;
static void on_urg(int sig) { (void)sig; urgs++; }
static void show_except(int fd) {
  fd_set r, e;
  FD_ZERO(&r);
  FD_ZERO(&e);
  FD_SET(fd, &r);
  FD_SET(fd, &e);
  struct timeval tv = {0, 0};
  int n = select(fd + 1, &r, NULL, &e, &tv);
  SAY("select = %d read %d except %d", n, FD_ISSET(fd, &r) ? 1 : 0, FD_ISSET(fd, &e) ? 1 : 0);
}
static void show_mark(int fd) {
  int mark = -1;
  SHOW(ioctl(fd, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
}
static void block_urg(int how) {
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGURG);
  sigprocmask(how, &m, NULL);
}
int main(void) {
  signal(SIGURG, on_urg);
  int s = connect_peer(HOLD_PORT);
  SHOW(fcntl(s, F_SETOWN, getpid()));
  PEER_SHOW("wait 11 accepted");
  show_recv("oob before", s, 8, MSG_OOB | MSG_DONTWAIT);
  block_urg(SIG_BLOCK);
  PEER_SHOW("text 11 hello");
  PEER_SHOW("urg 11 XY");
  PEER_SHOW("text 11 tail");
  await_ms(s, POLLPRI, 3000);
  block_urg(SIG_UNBLOCK);
  msleep(100);
  SAY("SIGURG %d", (int)urgs);
  show_poll_now("s", s);
  show_except(s);
  show_mark(s);
  show_recv("s oob peek", s, 8, MSG_OOB | MSG_PEEK);
  show_recv("s oob", s, 8, MSG_OOB);
  show_recv("s oob again", s, 8, MSG_OOB);
  show_poll_now("s", s);
  show_except(s);
  show_recv("s", s, 64, 0);
  show_mark(s);
  show_recv("s", s, 64, 0);
  show_mark(s);
  /* the second round: a new mark once the first is read past */
  block_urg(SIG_BLOCK);
  PEER_SHOW("text 11 ab");
  PEER_SHOW("urg 11 2");
  PEER_SHOW("text 11 cd");
  await_ms(s, POLLPRI, 3000);
  block_urg(SIG_UNBLOCK);
  msleep(100);
  SAY("SIGURG %d", (int)urgs);
  show_mark(s);
  show_recv("s", s, 64, 0);
  show_mark(s);
  show_recv("s oob", s, 8, MSG_OOB);
  show_recv("s", s, 64, MSG_DONTWAIT);
  show_recv("s", s, 64, MSG_DONTWAIT);
  return 0;
}
