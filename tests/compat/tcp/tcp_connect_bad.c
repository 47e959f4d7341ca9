/* connect with bad arguments: short length, another family, port 0,
 * broadcast and multicast addresses. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(a), sizeof a - 1));
  SHOW(connect(s, SA(a), 0));
  struct sockaddr_in6 six;
  memset(&six, 0, sizeof six);
  six.sin6_family = AF_INET6;
  SHOW(connect(s, (struct sockaddr *)&six, sizeof six));
  struct sockaddr_in mc = sin_of("224.0.0.1", 80);
  SHOW(connect(s, SA(mc), sizeof mc));
  struct sockaddr_in bc = sin_of("255.255.255.255", 80);
  SHOW(connect(s, SA(bc), sizeof bc));
  struct sockaddr_in p0 = sin_of(PEER, 0);
  SHOW(connect(s, SA(p0), sizeof p0));
  return 0;
}
