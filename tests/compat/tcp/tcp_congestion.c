/* TCP_CONGESTION: "reno" and "cubic" can be set and read back; an unknown
 * name is ENOENT; the name buffer is TCP_CA_NAME_MAX (16). */
#include "tcp_compat.h"
static void show_cc(const char *label, int s) {
  char name[32];
  memset(name, 0, sizeof name);
  socklen_t l = sizeof name;
  if (getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &l) < 0) say("%s: -1 %s", label, errname(errno));
  else say("%s: \"%s\" len %u", label, name, (unsigned)l);
}
int main(void) {
  int s = tcp_socket();
  SHOW(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
  show_cc("after reno", s);
  SHOW(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
  show_cc("after cubic", s);
  SHOW(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "no-such-cc", 10));
  show_cc("after unknown", s);
  SHOW(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
  int c = tcp_socket();
  MUST(setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  MUST(connect(c, SA(a), sizeof a));
  show_cc("connected with reno", c);
  SHOW(setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
  show_cc("switched to cubic", c);
  return 0;
}
