/* No route (the topology has none but the link): sendto and connect to
 * another network are ENETUNREACH (the implicit bind has happened). */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SENDTO(s, "x", "192.0.2.1", 9);
  SENDTO(s, "x", "198.18.1.1", 9);
  show_name("s", s);
  struct sockaddr_in far = sin_of("198.51.100.7", 53);
  SHOW(connect(s, SA(far), sizeof far));
  show_name("s", s);
  show_peer("s", s);
  int f = udp_socket();
  SHOW(connect(f, SA(far), sizeof far));
  show_name("f (fresh, connect failed)", f);
  int b = udp_bound(US, 20090);
  SENDTO(b, "x", "192.0.2.1", 9);
  SENDTO(b, "x", PEER, DISCARD_PORT);
  show_peer_last("discard");
  return 0;
}
