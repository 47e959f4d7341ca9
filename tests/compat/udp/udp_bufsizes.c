/* SO_RCVBUF and SO_SNDBUF: the defaults (net.core.[rw]mem_default), a set
 * value comes back doubled, small values are raised to the minimum, large
 * ones capped at twice net.core.[rw]mem_max. */
#include "udp_compat.h"
static long sysctl_long(const char *name) {
  char p[128];
  snprintf(p, sizeof p, "/proc/sys/net/core/%s", name);
  FILE *f = fopen(p, "r");
  long v = -1;
  if (f) {
    if (fscanf(f, "%ld", &v) != 1) v = -1;
    fclose(f);
  }
  return v;
}
static void show_buf(const char *label, int fd, int name, long dflt) {
  int v = -1;
  socklen_t l = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, name, &v, &l) < 0) say("%s: -1 %s", label, errname(errno));
  else say("%s: %s", label, v == dflt ? "default" : v == 2 * dflt ? "2 x default" : "other");
}
int main(void) {
  long rdef = sysctl_long("rmem_default"), wdef = sysctl_long("wmem_default");
  long rmax = sysctl_long("rmem_max"), wmax = sysctl_long("wmem_max");
  int s = udp_socket();
  show_buf("SO_RCVBUF", s, SO_RCVBUF, rdef);
  show_buf("SO_SNDBUF", s, SO_SNDBUF, wdef);
  SHOW(set_int(s, SOL_SOCKET, SO_RCVBUF, 10000));
  SHOW_OPT(s, SOL_SOCKET, SO_RCVBUF);
  SHOW(set_int(s, SOL_SOCKET, SO_SNDBUF, 10000));
  SHOW_OPT(s, SOL_SOCKET, SO_SNDBUF);
  SHOW(set_int(s, SOL_SOCKET, SO_RCVBUF, 1));
  SHOW_OPT(s, SOL_SOCKET, SO_RCVBUF);
  SHOW(set_int(s, SOL_SOCKET, SO_SNDBUF, 1));
  SHOW_OPT(s, SOL_SOCKET, SO_SNDBUF);
  SHOW(set_int(s, SOL_SOCKET, SO_RCVBUF, 1 << 30));
  int v = 0;
  socklen_t l = sizeof v;
  MUST(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l));
  SAY("SO_RCVBUF after 1<<30: %s", v == 2 * rmax ? "2 x rmem_max" : "other");
  SHOW(set_int(s, SOL_SOCKET, SO_SNDBUF, 1 << 30));
  l = sizeof v;
  MUST(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l));
  SAY("SO_SNDBUF after 1<<30: %s", v == 2 * wmax ? "2 x wmem_max" : "other");
  SHOW(set_int(s, SOL_SOCKET, SO_RCVBUF, -5));
  SHOW_OPT(s, SOL_SOCKET, SO_RCVBUF);
  return 0;
}
