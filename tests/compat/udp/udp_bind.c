/* bind: a specific address, the wildcard, port 0 (an ephemeral port from
 * 32768-60999), 127.0.0.1; an address not ours (EADDRNOTAVAIL); a second
 * bind on a bound socket (EINVAL), also after an implicit bind by sendto;
 * names before any bind. */
#include "udp_compat.h"
int main(void) {
  int a = udp_socket(), b = udp_socket(), c = udp_socket(), d = udp_socket(), e = udp_socket();
  show_name("a before bind", a);
  struct sockaddr_in any0 = sin_of("0.0.0.0", 0), us0 = sin_of(US, 0), us = sin_of(US, 20001),
                     lo = sin_of(LOOP, 20002), other = sin_of("198.18.0.3", 20003), us2 = sin_of(US, 20004);
  SHOW(bind(a, SA(any0), sizeof any0));
  show_name("a", a);
  SHOW(bind(b, SA(us0), sizeof us0));
  show_name("b", b);
  SHOW(bind(c, SA(us), sizeof us));
  show_name("c", c);
  SHOW(bind(d, SA(lo), sizeof lo));
  show_name("d", d);
  SHOW(bind(e, SA(other), sizeof other));
  show_name("e", e);
  SHOW(bind(c, SA(us2), sizeof us2));
  SHOW(bind(a, SA(any0), sizeof any0));
  show_name("c", c);
  int f = udp_socket();
  SENDTO(f, "x", PEER, DISCARD_PORT);
  show_name("f after sendto", f);
  SHOW(bind(f, SA(us2), sizeof us2));
  SAY("a and b ports differ: %s", port_of(a) != port_of(b) ? "yes" : "no");
  return 0;
}
