/* splice(2) between pipes and a TCP socket: bytes in and out through the
 * echo peer; splice into a socket with no connection is EPIPE with
 * SIGPIPE, out of one ENOTCONN; after the peer's reset the pending error
 * once, then 0, and splice/sendfile into it EPIPE with SIGPIPE. */
#include "tcp_compat.h"
#include <fcntl.h>
#include <sys/sendfile.h>
static volatile sig_atomic_t pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }
static void show_pipe(const char *label, int fd) {
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0) SAY("read(%s) = -1 %s", label, errname(errno));
  else SAY("read(%s) = %zd %s", label, n, data_str(buf, n));
}
int main(void) {
  signal(SIGPIPE, on_pipe);
  int p[2];
  MUST(pipe(p));
  int s = connect_peer(ECHO_PORT);
  MUST(write(p[1], "hello, splice", 13));
  SHOW(splice(p[0], NULL, s, NULL, 13, 0));
  SHOW(splice(p[0], NULL, s, NULL, 13, SPLICE_F_NONBLOCK));
  await_ms(s, POLLIN, 3000);
  msleep(100);
  SHOW(splice(s, NULL, p[1], NULL, 64, 0));
  show_pipe("pipe", p[0]);
  SHOW(fcntl(s, F_SETFL, O_NONBLOCK));
  SHOW(splice(s, NULL, p[1], NULL, 64, 0));
  SAY("SIGPIPE %d", (int)pipes);
  /* no connection */
  int u = tcp_socket();
  MUST(write(p[1], "abc", 3));
  SHOW(splice(p[0], NULL, u, NULL, 3, 0));
  SAY("SIGPIPE %d", (int)pipes);
  SHOW(splice(u, NULL, p[1], NULL, 3, SPLICE_F_NONBLOCK));
  SHOW(splice(p[0], NULL, p[1], NULL, 3, 0));
  /* the peer resets */
  int r = connect_peer(RESET_PORT);
  await_ms(r, POLLIN, 3000);
  msleep(100);
  SHOW(splice(r, NULL, p[1], NULL, 64, 0));
  SHOW(splice(r, NULL, p[1], NULL, 64, 0));
  SHOW(splice(p[0], NULL, r, NULL, 3, 0));
  SAY("SIGPIPE %d", (int)pipes);
  int f = (int)MUST(open(compat_path_of("file"), O_RDWR | O_CREAT | O_TRUNC, 0600));
  MUST(write(f, "0123456789", 10));
  off_t off0 = 0;
  SHOW(sendfile(r, f, &off0, 10));
  SAY("SIGPIPE %d", (int)pipes);
  /* the peer closes: splice out reads the end */
  int c = connect_peer(ECHO_PORT);
  off_t off = 0;
  SHOW(sendfile(c, f, &off, 10));
  SAY("offset %ld", (long)off);
  await_ms(c, POLLIN, 3000);
  msleep(100);
  SHOW(splice(c, NULL, p[1], NULL, 64, 0));
  show_pipe("pipe", p[0]);
  PEER_SHOW("close 7");
  await_ms(c, POLLRDHUP, 3000);
  SHOW(splice(c, NULL, p[1], NULL, 64, 0));
  return 0;
}
