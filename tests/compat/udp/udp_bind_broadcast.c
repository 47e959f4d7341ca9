/* A socket may bind the subnet broadcast address: it then gets datagrams
 * sent to the broadcast address and not those to our unicast address; the
 * peer's address is not ours (EADDRNOTAVAIL). */
#include "udp_compat.h"
int main(void) {
  int b = udp_socket();
  struct sockaddr_in ba = sin_of(BCAST, 20340), pa = sin_of(PEER, 20340);
  SHOW(bind(b, SA(ba), sizeof ba));
  show_name("b", b);
  int p = udp_socket();
  SHOW(bind(p, SA(pa), sizeof pa));
  int w = udp_bound("0.0.0.0", 20341);
  peer_send(BCAST, 20340, 5007, "broadcast to 20340");
  peer_send(US, 20340, 5007, "unicast to 20340");
  peer_send(BCAST, 20341, 5007, "broadcast to 20341");
  peer_send(US, 20341, 5007, "unicast to 20341");
  await(b, POLLIN);
  await(w, POLLIN);
  sleep_ms(100);
  drain("b", b);
  drain("w", w);
  return 0;
}
