/* Binding an address that is not ours: EADDRNOTAVAIL, unless IP_FREEBIND
 * (or IP_TRANSPARENT) is set; such a socket cannot send from it
 * (ENETUNREACH without IP_TRANSPARENT); one bound to the broadcast address
 * sends from the interface's address. IP_BIND_ADDRESS_NO_PORT: bind takes the address only, the port
 * comes with the first send. */
#include "udp_compat.h"
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
int main(void) {
  struct sockaddr_in other = sin_of("198.18.0.3", 20360);
  int a = udp_socket();
  SHOW(bind(a, SA(other), sizeof other));
  SHOW(set_int(a, SOL_IP, IP_FREEBIND, 1));
  SHOW(bind(a, SA(other), sizeof other));
  show_name("a", a);
  SENDTO(a, "from 198.18.0.3", PEER, DISCARD_PORT);
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(a, SA(echo), sizeof echo));
  int b = udp_bound(BCAST, 20361);
  SENDTO(b, "from broadcast", PEER, DISCARD_PORT);
  show_peer_last("discard");
  SENDTO(b, "from broadcast", US, 20362);
  int c = udp_socket();
  SHOW(set_int(c, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1));
  struct sockaddr_in us0 = sin_of(US, 0);
  SHOW(bind(c, SA(us0), sizeof us0));
  show_name("c", c);
  SENDTO(c, "no port yet", PEER, DISCARD_PORT);
  show_name("c", c);
  show_peer_last("discard");
  int d = udp_socket();
  SHOW(set_int(d, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1));
  struct sockaddr_in us1 = sin_of(US, 20363);
  SHOW(bind(d, SA(us1), sizeof us1));
  show_name("d", d);
  return 0;
}
