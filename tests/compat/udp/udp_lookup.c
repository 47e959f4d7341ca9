/* Which socket gets a datagram when several share a port (SO_REUSEADDR):
 * the connected one for its peer, the one bound to the destination
 * address before the wildcard, the wildcard for the rest (127.0.0.1). */
#include "udp_compat.h"
static int reuse_bound(const char *ip, int port) {
  int s = udp_socket();
  MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  struct sockaddr_in a = sin_of(ip, port);
  MUST(bind(s, SA(a), sizeof a));
  return s;
}
int main(void) {
  int conn = reuse_bound(US, 20310), any = reuse_bound("0.0.0.0", 20310), spec = reuse_bound(US, 20310);
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(conn, SA(echo), sizeof echo));
  peer_send(US, 20310, ECHO_PORT, "from 198.18.0.1:7");
  peer_send(US, 20310, 5005, "from 198.18.0.1:5005");
  int l = udp_socket();
  SENDTO(l, "to 127.0.0.1", LOOP, 20310);
  SENDTO(l, "to 198.18.0.2", US, 20310);
  await(any, POLLIN);
  sleep_ms(100);
  drain("conn", conn);
  drain("spec", spec);
  drain("any", any);
  return 0;
}
