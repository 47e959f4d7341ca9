/* SOL_IPV6 options on TCP sockets: IPV6_V6ONLY (until bind), IPV6_TCLASS
 * and IPV6_UNICAST_HOPS (get, set, ranges), inherited by an accepted
 * socket from its listener; IPV6_MTU once connected; IPV6_RECVPKTINFO is
 * accepted on a stream socket; IP_TOS on an IPv6 TCP socket. */
#include "tcp6_compat.h"
int main(void) {
  int s = tcp6_socket();
  SHOW_OPT(s, SOL_IPV6, IPV6_V6ONLY);
  SHOW_OPT(s, SOL_IPV6, IPV6_TCLASS);
  SHOW_OPT(s, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU);
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU_DISCOVER);
  SHOW(set_int(s, SOL_IPV6, IPV6_TCLASS, 0x20));
  SHOW(set_int(s, SOL_IPV6, IPV6_UNICAST_HOPS, 9));
  SHOW(set_int(s, SOL_IPV6, IPV6_TCLASS, 300));
  SHOW(set_int(s, SOL_IPV6, IPV6_UNICAST_HOPS, 300));
  SHOW(set_int(s, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVPKTINFO, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVPKTINFO);
  struct sockaddr_in6 b = sin6_of(ANY6, 20400);
  MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  SHOW(bind(s, SA(b), sizeof b));
  SHOW(set_int(s, SOL_IPV6, IPV6_V6ONLY, 0));
  SHOW(listen(s, 4));
  int c = tcp6_connected(LOOP6, 20400);
  int a = (int)MUST(accept(s, NULL, NULL));
  SHOW_OPT(a, SOL_IPV6, IPV6_TCLASS);
  SHOW_OPT(a, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(a, SOL_IPV6, IPV6_V6ONLY);
  SHOW_OPT(a, SOL_IPV6, IPV6_MTU);
  SHOW_OPT(c, SOL_IPV6, IPV6_TCLASS);
  SHOW_OPT(c, SOL_IPV6, IPV6_MTU);
  int p = connect_peer6(ECHO_PORT);
  SHOW_OPT(p, SOL_IPV6, IPV6_MTU);
  SHOW_OPT(p, SOL_IP, IP_TOS);
  SHOW(set_int(p, SOL_IP, IP_TOS, 0x10));
  SHOW_OPT(p, SOL_IP, IP_TOS);
  SHOW_OPT(p, SOL_IPV6, IPV6_TCLASS);
  SHOW(set_int(p, SOL_IPV6, IPV6_TCLASS, 0x48));
  SHOW(send(p, "tclass 0x48", 11, 0));
  await_recv("p", p, 100, 0);
  return 0;
}
