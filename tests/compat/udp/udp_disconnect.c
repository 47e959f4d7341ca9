/* connect(AF_UNSPEC) dissolves the association: no peer name, what bind did
 * not fix is forgotten (implicit address and port), send needs an address
 * again, and datagrams from anyone arrive. */
#include "udp_compat.h"
int main(void) {
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  struct sockaddr un;
  memset(&un, 0, sizeof un);
  un.sa_family = AF_UNSPEC;
  int s = udp_socket();
  SHOW(connect(s, SA(echo), sizeof echo));
  show_name("s", s);
  SHOW(connect(s, &un, sizeof un));
  show_name("s", s);
  show_peer("s", s);
  SHOW(send(s, "x", 1, 0));
  int b = udp_bound("0.0.0.0", 20050);
  SHOW(connect(b, SA(echo), sizeof echo));
  show_name("b", b);
  SHOW(connect(b, &un, sizeof(sa_family_t)));
  show_name("b", b);
  show_peer("b", b);
  int c = udp_bound(US, 20051);
  SHOW(connect(c, SA(echo), sizeof echo));
  SHOW(connect(c, &un, sizeof un));
  show_name("c", c);
  int o = udp_bound(LOOP, 20052);
  SENDTO(o, "from o", US, 20051);
  await(c, POLLIN);
  show_recvfrom("c", c, MSG_DONTWAIT);
  int n = udp_socket();
  SHOW(connect(n, &un, sizeof un));
  show_name("n (never connected)", n);
  return 0;
}
