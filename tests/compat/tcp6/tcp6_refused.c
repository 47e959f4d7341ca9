/* Refusals over IPv6: a RST to the SYN is ECONNREFUSED (blocking connect;
 * nonblocking: EINPROGRESS, then POLLOUT|POLLERR|POLLHUP and SO_ERROR
 * ECONNREFUSED, then a second connect); an ICMPv6 port unreachable to the
 * SYN is ECONNREFUSED as well, administratively prohibited EACCES; ::1 with
 * no listener; a connect after the failure. */
#include "tcp6_compat.h"
static void nb(const char *label, const char *ip, int port) {
  int s = tcp6_socket();
  set_nonblock(s, 1);
  struct sockaddr_in6 a = sin6_of(ip, port);
  int r = connect(s, SA(a), sizeof a);
  SAY("%s: connect = %d %s", label, r, r < 0 ? errname(errno) : "");
  await_ms(s, POLLOUT, 3000);
  show_poll_now(label, s);
  show_so_error(label, s);
  show_so_error(label, s);
  r = connect(s, SA(a), sizeof a);
  SAY("%s: connect again = %d %s", label, r, r < 0 ? errname(errno) : "");
  show_peer6(label, s);
  close(s);
}
int main(void) {
  int s = tcp6_socket();
  struct sockaddr_in6 c = sin6_of(PEER6, CLOSED_PORT);
  SHOW(connect(s, SA(c), sizeof c));
  show_so_error("s", s);
  show_name6("s after the refusal", s);
  SHOW(connect(s, SA(c), sizeof c));
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  close(s);
  nb("rst", PEER6, CLOSED_PORT);
  int u = tcp6_socket();
  struct sockaddr_in6 iu = sin6_of(PEER6, ICMP_UNREACH_PORT);
  SHOW(connect(u, SA(iu), sizeof iu));
  show_so_error("u", u);
  close(u);
  nb("icmp6 port unreachable", PEER6, ICMP_UNREACH_PORT);
  int p = tcp6_socket();
  struct sockaddr_in6 ip = sin6_of(PEER6, ICMP_PROHIBITED_PORT);
  SHOW(connect(p, SA(ip), sizeof ip));
  close(p);
  nb("icmp6 prohibited", PEER6, ICMP_PROHIBITED_PORT);
  nb("lo", LOOP6, 20310);
  return 0;
}
