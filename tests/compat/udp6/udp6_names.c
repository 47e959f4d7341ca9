/* Names of IPv6 UDP sockets: fresh [::]:0, bound to :: / 2001:db8::2 /
 * ::1 with a port or port 0; the length given back is 28 whatever the
 * buffer; a short buffer gets a truncated name and the full length; the
 * same port on different addresses. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  show_name6("fresh", s);
  struct sockaddr_in6 a = sin6_of(ANY6, 20150);
  SHOW(bind(s, SA(a), sizeof a));
  show_name6("bound [::]:20150", s);
  SHOW(bind(s, SA(a), sizeof a));
  int t = udp6_socket();
  struct sockaddr_in6 us0 = sin6_of(US6, 0);
  SHOW(bind(t, SA(us0), sizeof us0));
  show_name6("bound [US6]:0", t);
  int u = udp6_socket();
  struct sockaddr_in6 lo = sin6_of(LOOP6, 20151);
  SHOW(bind(u, SA(lo), sizeof lo));
  show_name6("bound [::1]:20151", u);
  int v = udp6_socket();
  struct sockaddr_in6 us = sin6_of(US6, 20151);
  SHOW(bind(v, SA(us), sizeof us));
  show_name6("bound [US6]:20151", v);
  /* short buffers */
  struct sockaddr_in6 o;
  for (socklen_t want = 0; want <= 32; want += 8) {
    memset(&o, 0x55, sizeof o);
    socklen_t l = want;
    int r = getsockname(v, SA(o), &l);
    SAY("getsockname(len %u) = %d len %u family %s port %s", (unsigned)want, r, (unsigned)l,
        want >= 2 ? (o.sin6_family == AF_INET6 ? "AF_INET6" : "untouched") : "-",
        want >= 4 ? (ntohs(o.sin6_port) == 20151 ? "20151" : "untouched") : "-");
  }
  socklen_t bad = (socklen_t)-1;
  SHOW(getsockname(v, SA(o), &bad));
  return 0;
}
