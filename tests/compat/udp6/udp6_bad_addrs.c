/* Bad names on an IPv6 UDP socket: bind and connect with lengths below 24
 * (SIN6_LEN_RFC2133) EINVAL, 24 accepted; bind with another family
 * EAFNOSUPPORT; connect with an AF_INET name connects over IPv4; sendto
 * with short or foreign names; port 0 as destination; a link-local
 * address without a scope id is EINVAL; NULL names. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 a = sin6_of(ANY6, 20220);
  SHOW(bind(s, SA(a), 23));
  SHOW(bind(s, SA(a), 0));
  SHOW(bind(s, NULL, sizeof a));
  struct sockaddr_in4x { struct sockaddr_in in; char pad[12]; } v4;
  memset(&v4, 0, sizeof v4);
  v4.in = sin_of("0.0.0.0", 20220);
  SHOW(bind(s, SA(v4), sizeof v4));
  struct sockaddr_in6 un = a;
  un.sin6_family = AF_UNIX;
  SHOW(bind(s, SA(un), sizeof un));
  struct sockaddr_in6 ll = sin6_of("fe80::1", 20220);
  SHOW(bind(s, SA(ll), sizeof ll));
  struct sockaddr_in6 mc = sin6_of("ff02::1", 20220);
  SHOW(bind(s, SA(mc), sizeof mc));
  show_name6("s after the failures", s);
  SHOW(bind(s, SA(a), 24));
  show_name6("s bound with len 24", s);
  int c = udp6_socket();
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(c, SA(e), 23));
  SHOW(connect(c, SA(e), 0));
  struct sockaddr_in6 odd = e;
  odd.sin6_family = AF_UNIX;
  SHOW(connect(c, SA(odd), sizeof odd));
  show_peer6("c", c);
  SHOW(connect(c, SA(e), 24));
  show_peer6("c connected with len 24", c);
  int d = udp6_socket();
  struct sockaddr_in pe = sin_of(PEER, ECHO_PORT);
  SHOW(connect(d, SA(pe), sizeof pe));
  show_name6("d connected with an AF_INET name", d);
  show_peer6("d", d);
  SHOW(send(d, "v4 through v6", 13, 0));
  await(d, POLLIN);
  show_recvfrom6("d", d, MSG_DONTWAIT);
  int t = udp6_socket();
  SHOW(sendto(t, "short", 5, 0, SA(e), 23));
  SHOW(sendto(t, "tiny", 4, 0, SA(e), 1));
  SHOW(sendto(t, "odd family", 10, 0, SA(odd), sizeof odd));
  SHOW(sendto(t, "no name", 7, 0, NULL, 0));
  struct sockaddr_in6 p0 = sin6_of(PEER6, 0);
  SHOW(sendto(t, "port 0", 6, 0, SA(p0), sizeof p0));
  struct sockaddr_in6 llp = sin6_of("fe80::1", 9);
  SHOW(sendto(t, "link-local, no scope", 20, 0, SA(llp), sizeof llp));
  SHOW(sendto(t, "v4 name", 7, 0, SA(pe), sizeof pe));
  await(t, POLLIN);
  show_recvfrom6("t", t, MSG_DONTWAIT);
  struct sockaddr_in6 unspec = e;
  unspec.sin6_family = AF_UNSPEC;
  SHOW(sendto(t, "unspec family", 13, 0, SA(unspec), sizeof unspec));
  show_name6("t", t);
  return 0;
}
