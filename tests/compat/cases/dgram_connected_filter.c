/* A datagram socket connected to a peer: others may not send to it (EPERM,
 * as Linux: the receiver is connected elsewhere), its peer may; recvfrom
 * names the source; connecting to AF_UNSPEC dissolves the association and
 * lets everyone send again. */
#include "../compat.h"
static int bound(const char *name, struct sockaddr_un *a, socklen_t *al) {
  *al = mk_path(a, name);
  int s = (int)MUST(socket(AF_UNIX, SOCK_DGRAM, 0));
  MUST(bind(s, (struct sockaddr *)a, *al));
  return s;
}
static void drain(int fd, const char *who) {
  char buf[32];
  struct sockaddr_un from;
  for (;;) {
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
    if (n < 0) { SAY("%s: recvfrom -1 %s", who, errname(errno)); return; }
    SAY("%s: %s from %s", who, data_str(buf, n), addr_str(&from, fl));
  }
}
int main(void) {
  struct sockaddr_un ra, pa, oa;
  socklen_t rl, pl, ol;
  int r = bound("r", &ra, &rl), p = bound("p", &pa, &pl), o = bound("o", &oa, &ol);
  SHOW(connect(r, (struct sockaddr *)&pa, pl));
  SHOW(sendto(o, "from o", 6, 0, (struct sockaddr *)&ra, rl));
  SHOW(sendto(p, "from p", 6, 0, (struct sockaddr *)&ra, rl));
  SHOW(send(r, "to p", 4, 0));
  SHOW(sendto(r, "to o", 4, 0, (struct sockaddr *)&oa, ol));
  await(r, POLLIN);
  drain(r, "r");
  await(p, POLLIN);
  drain(p, "p");
  await(o, POLLIN);
  drain(o, "o");
  struct sockaddr un = {.sa_family = AF_UNSPEC};
  SHOW(connect(r, &un, sizeof un));
  show_peername("r", r);
  SHOW(sendto(o, "again", 5, 0, (struct sockaddr *)&ra, rl));
  await(r, POLLIN);
  drain(r, "r");
  return 0;
}
