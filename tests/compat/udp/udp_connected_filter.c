/* A connected socket takes datagrams only from its peer's address and port:
 * the peer host from another port, and a local socket, are not delivered;
 * the same from the right port is. */
#include "udp_compat.h"
int main(void) {
  int s = udp_bound(US, 20060);
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(echo), sizeof echo));
  peer_send(US, 20060, 5001, "from 198.18.0.1:5001");
  int o = udp_bound(US, 20061);
  SENDTO(o, "from 198.18.0.2:20061", US, 20060);
  peer_send(US, 20060, ECHO_PORT, "from 198.18.0.1:7");
  await(s, POLLIN);
  drain("s", s);
  struct sockaddr un = {.sa_family = AF_UNSPEC};
  SHOW(connect(s, &un, sizeof un));
  peer_send(US, 20060, 5001, "after disconnect");
  await(s, POLLIN);
  drain("s", s);
  return 0;
}
