/* SO_REUSEADDR: off by default; two sockets that both set it share a port,
 * one without it cannot join; which of the two gets a unicast datagram. */
#include "udp_compat.h"
static int sock_reuse(int on) {
  int s = udp_socket();
  if (on) MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  return s;
}
int main(void) {
  int a = sock_reuse(1), b = sock_reuse(1), c = sock_reuse(0), d = sock_reuse(0);
  SHOW_OPT(a, SOL_SOCKET, SO_REUSEADDR);
  SHOW_OPT(c, SOL_SOCKET, SO_REUSEADDR);
  struct sockaddr_in p = sin_of("0.0.0.0", 20020), q = sin_of(US, 20020);
  SHOW(bind(a, SA(p), sizeof p));
  SHOW(bind(b, SA(p), sizeof p));
  SHOW(bind(c, SA(p), sizeof p));
  SHOW(bind(c, SA(q), sizeof q));
  int e = sock_reuse(1);
  SHOW(bind(e, SA(q), sizeof q));
  /* d has no SO_REUSEADDR: a port taken by a reuse socket is closed to it. */
  SHOW(bind(d, SA(p), sizeof p));
  int s = udp_socket();
  SENDTO(s, "one", US, 20020);
  SENDTO(s, "two", LOOP, 20020);
  sleep_ms(200);
  drain("a", a);
  drain("b", b);
  drain("e", e);
  return 0;
}
