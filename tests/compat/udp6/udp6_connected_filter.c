/* A connected IPv6 UDP socket gets only its peer's datagrams: the peer's
 * echo answers, a datagram from the peer's other port and one from another
 * socket of ours are dropped; the first connect fixed the local address
 * (2001:db8::2), so after reconnecting to ::1 datagrams to ::1 do not match
 * it; reconnected to that socket's 2001:db8::2 name its datagrams come in;
 * sendto another destination on a connected socket works, its answer is
 * filtered. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_bound(ANY6, 20430);
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  peer_send6(US6, 20430, 20431, 64, 0, "from another port");
  int o = udp6_socket();
  SENDTO6(o, "from lo", US6, 20430);
  SHOW(send(s, "from the echo", 13, 0));
  await(s, POLLIN);
  drain6("s", s);
  struct sockaddr_in6 l = sin6_of(LOOP6, port6_of(o));
  SHOW(connect(s, SA(l), sizeof l));
  SENDTO6(o, "now from the connected one", LOOP6, 20430);
  await(s, POLLIN);
  drain6("s", s);
  show_name6("s", s);
  struct sockaddr_in6 ou = sin6_of(US6, port6_of(o));
  SHOW(connect(s, SA(ou), sizeof ou));
  SENDTO6(o, "to US6 from the connected one", US6, 20430);
  await(s, POLLIN);
  drain6("s", s);
  SENDTO6(s, "sendto elsewhere", PEER6, ECHO_PORT);
  await(s, POLLIN);
  drain6("s after sendto elsewhere", s);
  return 0;
}
