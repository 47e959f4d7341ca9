/* SO_TIMESTAMP: off by default; on, every datagram carries a timeval cmsg
 * (its presence and size, and that it is recent, are compared). */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20200), s = udp_socket();
  SHOW_OPT(r, SOL_SOCKET, SO_TIMESTAMP);
  SENDTO(s, "no stamp", LOOP, 20200);
  await(r, POLLIN);
  show_recvmsg("r", r, 0, 256);
  SHOW(set_int(r, SOL_SOCKET, SO_TIMESTAMP, 1));
  SHOW_OPT(r, SOL_SOCKET, SO_TIMESTAMP);
  SENDTO(s, "stamped", LOOP, 20200);
  await(r, POLLIN);
  show_recvmsg("r", r, 0, 256);
  int p = udp_bound(US, 20201);
  MUST(set_int(p, SOL_SOCKET, SO_TIMESTAMP, 1));
  peer_send(US, 20201, 5004, "from peer");
  await(p, POLLIN);
  show_recvmsg("p", p, 0, 256);
  return 0;
}
