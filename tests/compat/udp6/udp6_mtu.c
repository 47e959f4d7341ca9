/* IPV6_MTU_DISCOVER (default IPV6_PMTUDISC_WANT, 0..5 accepted, 6 EINVAL)
 * and IPV6_MTU: reading it needs a connected socket (ENOTCONN), then gives
 * the path MTU (1500 to the peer over the link; ::1 too); setting it accepts
 * 1280 and more, below is EINVAL; IPV6_RECVPATHMTU and IPV6_PATHMTU. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU_DISCOVER);
  for (int v = 0; v <= 6; v++) {
    SAY("IPV6_MTU_DISCOVER %d:", v);
    SHOW(set_int(s, SOL_IPV6, IPV6_MTU_DISCOVER, v));
    SHOW_OPT(s, SOL_IPV6, IPV6_MTU_DISCOVER);
  }
  SHOW(set_int(s, SOL_IPV6, IPV6_MTU_DISCOVER, -1));
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU);
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU);
  SHOW(set_int(s, SOL_IPV6, IPV6_MTU, 1279));
  SHOW(set_int(s, SOL_IPV6, IPV6_MTU, 1280));
  SHOW(set_int(s, SOL_IPV6, IPV6_MTU, 0));
  SHOW(set_int(s, SOL_IPV6, IPV6_MTU, 9000));
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU);
  int l = udp6_socket();
  struct sockaddr_in6 lo = sin6_of(LOOP6, 20190);
  SHOW(connect(l, SA(lo), sizeof lo));
  SHOW_OPT(l, SOL_IPV6, IPV6_MTU);
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVPATHMTU);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVPATHMTU, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVPATHMTU);
  struct ip6_mtuinfo mi;
  memset(&mi, 0x55, sizeof mi);
  socklen_t ml = sizeof mi;
  if (getsockopt(s, SOL_IPV6, IPV6_PATHMTU, &mi, &ml) < 0) SAY("IPV6_PATHMTU = -1 %s", errname(errno));
  else SAY("IPV6_PATHMTU = len %u mtu %u addr %s", (unsigned)ml, mi.ip6m_mtu, in6_str(&mi.ip6m_addr, sizeof mi.ip6m_addr));
  return 0;
}
