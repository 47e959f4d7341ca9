/* SO_BROADCAST: off by default, and then the subnet broadcast is EACCES for
 * sendto and connect; with it the datagram goes out (the peer's wildcard
 * socket gets it) and comes back to our own wildcard socket on the port;
 * 255.255.255.255 without a default route. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SHOW_OPT(s, SOL_SOCKET, SO_BROADCAST);
  SENDTO(s, "bcast", BCAST, DISCARD_PORT);
  struct sockaddr_in b = sin_of(BCAST, DISCARD_PORT);
  SHOW(connect(s, SA(b), sizeof b));
  SHOW(set_int(s, SOL_SOCKET, SO_BROADCAST, 1));
  SHOW_OPT(s, SOL_SOCKET, SO_BROADCAST);
  SENDTO(s, "bcast", BCAST, DISCARD_PORT);
  show_peer_last("discard");
  int w = udp_bound("0.0.0.0", 20180), u = udp_bound(US, 20180 + 1);
  SENDTO(s, "to my port", BCAST, 20180);
  SENDTO(s, "to u", BCAST, 20181);
  SENDTO(s, "marker", LOOP, 20180);
  await(w, POLLIN);
  sleep_ms(100);
  drain("w", w);
  drain("u", u);
  SENDTO(s, "all ones", "255.255.255.255", DISCARD_PORT);
  SHOW(connect(s, SA(b), sizeof b));
  show_peer("s", s);
  show_name("s", s);
  return 0;
}
