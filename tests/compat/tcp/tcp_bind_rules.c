/* bind: an address that is not ours (EADDRNOTAVAIL), twice (EINVAL), port
 * 0 (ephemeral), a short address (EINVAL), another family, a port in use. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct sockaddr_in other = sin_of("198.18.0.77", 20190);
  SHOW(bind(s, SA(other), sizeof other));
  struct sockaddr_in me = sin_of(US, 20190);
  SHOW(bind(s, SA(me), sizeof me - 1));
  SHOW(bind(s, SA(me), sizeof me));
  SHOW(bind(s, SA(me), sizeof me));
  int t = tcp_socket();
  SHOW(bind(t, SA(me), sizeof me));
  struct sockaddr_in z = sin_of(US, 0);
  SHOW(bind(t, SA(z), sizeof z));
  show_name("t", t);
  int u = tcp_socket();
  struct sockaddr_in6 six;
  memset(&six, 0, sizeof six);
  six.sin6_family = AF_INET6;
  SHOW(bind(u, (struct sockaddr *)&six, sizeof six));
  struct sockaddr_in bc = sin_of("198.18.0.255", 20191);
  SHOW(bind(u, SA(bc), sizeof bc));
  struct sockaddr_in mc = sin_of("224.0.0.1", 20191);
  SHOW(bind(u, SA(mc), sizeof mc));
  return 0;
}
