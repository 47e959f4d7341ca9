/* Binding to addresses that are not ours: 2001:db8::99 and
 * ::ffff:198.18.0.99 EADDRNOTAVAIL, the peer's 2001:db8::1 too; with
 * IPV6_FREEBIND (or IP_FREEBIND) the bind succeeds and the name says so,
 * the same address and port again EADDRINUSE; binding
 * our own, ::1 and :: works; the same port twice is EADDRINUSE. */
#include "udp6_compat.h"
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 f = sin6_of(FOREIGN6, 20230);
  SHOW(bind(s, SA(f), sizeof f));
  struct sockaddr_in6 p = sin6_of(PEER6, 20230);
  SHOW(bind(s, SA(p), sizeof p));
  struct sockaddr_in6 m = sin6_of("::ffff:198.18.0.99", 20230);
  SHOW(bind(s, SA(m), sizeof m));
  struct sockaddr_in6 o = sin6_of("2001:db9::2", 20230);
  SHOW(bind(s, SA(o), sizeof o));
  show_name6("s after", s);
  SHOW_OPT(s, SOL_IPV6, IPV6_FREEBIND);
  SHOW(set_int(s, SOL_IPV6, IPV6_FREEBIND, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_FREEBIND);
  SHOW(bind(s, SA(f), sizeof f));
  show_name6("s freebind", s);
  int t = udp6_socket();
  SHOW(set_int(t, SOL_IP, IP_FREEBIND, 1));
  SHOW(bind(t, SA(f), sizeof f));
  struct sockaddr_in6 f2 = sin6_of(FOREIGN6, 20232);
  SHOW(bind(t, SA(f2), sizeof f2));
  show_name6("t ip freebind", t);
  int u = udp6_socket();
  struct sockaddr_in6 us = sin6_of(US6, 20231);
  SHOW(bind(u, SA(us), sizeof us));
  int v = udp6_socket();
  SHOW(bind(v, SA(us), sizeof us));
  struct sockaddr_in6 any = sin6_of(ANY6, 20231);
  SHOW(bind(v, SA(any), sizeof any));
  struct sockaddr_in6 lo = sin6_of(LOOP6, 20231);
  SHOW(bind(v, SA(lo), sizeof lo));
  show_name6("v", v);
  return 0;
}
