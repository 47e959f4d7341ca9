/* dup/dup2/dup3/F_DUPFD: closing one copy leaves the socket open; the last close ends it. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  int d = SHOW(dup(c));
  SHOW(close(c));
  SHOW(write(d, "via dup", 7));
  int d2 = SHOW(dup2(d, 20));
  SHOW(close(d));
  SHOW(write(d2, "+dup2", 5));
  int d3 = SHOW(dup3(d2, 21, O_CLOEXEC));
  SHOW(fcntl(d3, F_GETFD));
  SHOW(close(d2));
  int d4 = SHOW(fcntl(d3, F_DUPFD, 30));
  SHOW(close(d3));
  SHOW(write(d4, "+fdup", 5));
  char buf[32];
  long n = read_full(a, buf, 17); /* all three writes; close_seen_at_once checks one read gets all */
  show_data("read", buf, n);
  SHOW(close(d4));
  SHOW(read(a, buf, sizeof buf));
  struct sockaddr_un sun;
  socklen_t len = sizeof sun;
  int e = SHOW(dup(l));
  SHOW(getsockname(e, (struct sockaddr*)&sun, &len));
  return 0;
}
