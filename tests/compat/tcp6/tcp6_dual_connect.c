/* A v6 TCP socket connecting to ::ffff:198.18.0.1 talks IPv4: names are
 * mapped, echo works, a refusal is ECONNREFUSED; with V6ONLY a mapped
 * destination is ENETUNREACH; an AF_INET name given to a v6 TCP socket's
 * connect is EAFNOSUPPORT; a v6 socket bound to a mapped address connects
 * to mapped destinations only; IPv4 options on such a connection. */
#include "tcp6_compat.h"
int main(void) {
  int s = tcp6_socket();
  struct sockaddr_in6 me = sin6_of(MAPPED_PEER, ECHO_PORT);
  SHOW(connect(s, SA(me), sizeof me));
  show_name6("s", s);
  show_peer6("s", s);
  SHOW(send(s, "mapped tcp", 10, 0));
  await_recv("s", s, 100, 0);
  SHOW_OPT(s, SOL_IP, IP_TTL);
  SHOW_OPT(s, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(s, IPPROTO_TCP, TCP_MAXSEG);
  close(s);
  int r = tcp6_socket();
  struct sockaddr_in6 mc = sin6_of(MAPPED_PEER, CLOSED_PORT);
  SHOW(connect(r, SA(mc), sizeof mc));
  int o = tcp6_socket();
  SHOW(set_int(o, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW(connect(o, SA(me), sizeof me));
  int f = tcp6_socket();
  struct sockaddr_in pe = sin_of(PEER, ECHO_PORT);
  SHOW(connect(f, SA(pe), sizeof pe));
  int m = tcp6_socket();
  struct sockaddr_in6 mb = sin6_of(MAPPED_US, 20360);
  SHOW(bind(m, SA(mb), sizeof mb));
  struct sockaddr_in6 e6 = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(m, SA(e6), sizeof e6));
  int m2 = tcp6_socket();
  struct sockaddr_in6 mb2 = sin6_of(MAPPED_US, 20361);
  SHOW(bind(m2, SA(mb2), sizeof mb2));
  SHOW(connect(m2, SA(me), sizeof me));
  show_name6("m2", m2);
  show_peer6("m2", m2);
  int v = tcp6_socket();
  struct sockaddr_in6 vb = sin6_of(US6, 20362);
  SHOW(bind(v, SA(vb), sizeof vb));
  SHOW(connect(v, SA(me), sizeof me));
  return 0;
}
