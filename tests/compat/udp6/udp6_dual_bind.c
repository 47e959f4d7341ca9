/* Dual-stack port conflicts for UDP (Linux's rules): [::]:P then
 * 0.0.0.0:P is EADDRINUSE, and the other order too, unless the IPv6 socket
 * is V6ONLY; SO_REUSEADDR on both lets them share; [::ffff:198.18.0.2]:P
 * conflicts with 198.18.0.2:P and with 0.0.0.0:P; [2001:db8::2]:P does
 * not conflict with 0.0.0.0:P; V6ONLY [::]:P with V6ONLY [::]:P does. */
#include "udp6_compat.h"
static int v6(const char *ip, int port, int v6only, int reuse) {
  int s = udp6_socket();
  if (v6only >= 0 && set_int(s, SOL_IPV6, IPV6_V6ONLY, v6only) < 0)
    SAY("setsockopt(IPV6_V6ONLY, %d) = -1 %s", v6only, errname(errno));
  if (reuse) MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  struct sockaddr_in6 a = sin6_of(ip, port);
  int r = bind(s, SA(a), sizeof a);
  SAY("bind v6 [%s]:%d v6only=%d reuse=%d = %d %s", ip, port, v6only, reuse, r, r < 0 ? errname(errno) : "");
  return s;
}
static int v4(const char *ip, int port, int reuse) {
  int s = udp_socket();
  if (reuse) MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  struct sockaddr_in a = sin_of(ip, port);
  int r = bind(s, SA(a), sizeof a);
  SAY("bind v4 %s:%d reuse=%d = %d %s", ip, port, reuse, r, r < 0 ? errname(errno) : "");
  return s;
}
int main(void) {
  SAY("-- [::] first");
  v6(ANY6, 20240, -1, 0); v4("0.0.0.0", 20240, 0); v4(US, 20240, 0); v4(LOOP, 20240, 0);
  SAY("-- 0.0.0.0 first");
  v4("0.0.0.0", 20241, 0); v6(ANY6, 20241, 0, 0); v6(ANY6, 20241, 1, 0); v6(US6, 20241, -1, 0);
  SAY("-- V6ONLY [::] first");
  v6(ANY6, 20242, 1, 0); v4("0.0.0.0", 20242, 0); v6(ANY6, 20242, 1, 0); v6(ANY6, 20242, 0, 0);
  SAY("-- SO_REUSEADDR on both");
  v6(ANY6, 20243, 0, 1); v4("0.0.0.0", 20243, 1); v4("0.0.0.0", 20244, 1); v6(ANY6, 20244, 0, 1);
  SAY("-- SO_REUSEADDR on one");
  v6(ANY6, 20245, 0, 1); v4("0.0.0.0", 20245, 0);
  SAY("-- mapped addresses");
  v4(US, 20246, 0); v6(MAPPED_US, 20246, 0, 0); v6(ANY6, 20246, 0, 0); v6(US6, 20246, 0, 0);
  v6(MAPPED_US, 20247, 0, 0); v4(US, 20247, 0); v4("0.0.0.0", 20247, 0); v4(LOOP, 20247, 0);
  v6(MAPPED_LOOP, 20247, 0, 0);
  v6(MAPPED_US, 20248, 1, 0);
  v6("::ffff:0.0.0.0", 20249, 0, 0); v4("0.0.0.0", 20249, 0); v6(ANY6, 20249, 0, 0);
  SAY("-- specific v6 and any v4");
  v4("0.0.0.0", 20250, 0); v6(US6, 20250, 0, 0); v6(LOOP6, 20250, 0, 0);
  return 0;
}
