/* IP_MINTTL on a UDP socket: datagrams whose TTL is below it. */
#include "udp_compat.h"
int main(void) {
  int s = udp_bound(US, 20370);
  SHOW(set_int(s, SOL_IP, IP_MINTTL, 50));
  SAY("peer: %s", peer_cmd("send %s 20370 5008 40 0 1 0 ttl 40", US));
  SAY("peer: %s", peer_cmd("send %s 20370 5008 60 0 1 0 ttl 60", US));
  await(s, POLLIN);
  sleep_ms(100);
  drain("s", s);
  return 0;
}
