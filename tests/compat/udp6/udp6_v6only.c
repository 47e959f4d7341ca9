/* IPV6_V6ONLY: 0 by default (net.ipv6.bindv6only), set and read back,
 * values other than 0 mean 1, settable until bind, EINVAL after bind or an
 * implicit bind; an AF_INET socket has no SOL_IPV6 options (ENOPROTOOPT);
 * a short optlen is EINVAL. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  SHOW_OPT(s, SOL_IPV6, IPV6_V6ONLY);
  SHOW(set_int(s, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_V6ONLY);
  SHOW(set_int(s, SOL_IPV6, IPV6_V6ONLY, 7));
  SHOW_OPT(s, SOL_IPV6, IPV6_V6ONLY);
  SHOW(set_int(s, SOL_IPV6, IPV6_V6ONLY, 0));
  SHOW_OPT(s, SOL_IPV6, IPV6_V6ONLY);
  char one = 1;
  SHOW(setsockopt(s, SOL_IPV6, IPV6_V6ONLY, &one, 1));
  struct sockaddr_in6 a = sin6_of(ANY6, 20180);
  SHOW(bind(s, SA(a), sizeof a));
  SHOW(set_int(s, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW(set_int(s, SOL_IPV6, IPV6_V6ONLY, 0));
  SHOW_OPT(s, SOL_IPV6, IPV6_V6ONLY);
  int t = udp6_socket();
  SENDTO6(t, "autobind", PEER6, DISCARD_PORT);
  SHOW(set_int(t, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW_OPT(t, SOL_IPV6, IPV6_V6ONLY);
  int c = udp6_socket();
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(c, SA(e), sizeof e));
  SHOW(set_int(c, SOL_IPV6, IPV6_V6ONLY, 1));
  int f = udp_socket();
  SHOW_OPT(f, SOL_IPV6, IPV6_V6ONLY);
  SHOW(set_int(f, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW_OPT(f, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(s, SOL_IP, IP_TTL);
  SHOW_OPT(s, SOL_IP, IP_TOS);
  return 0;
}
