/* UDP-Lite's port space is its own: a UDP and a UDP-Lite socket bind the
 * same port and each gets its protocol's datagrams; two UDP-Lite sockets
 * collide (EADDRINUSE, SO_REUSEADDR lets them share); a UDP-Lite datagram to
 * a port the peer holds only for UDP (9) draws port unreachable. */
#include "udplite_compat.h"
int main(void) {
  int u = udp_bound(US, 22000);
  int l = lite_bound(US, 22000);
  int l2 = lite_socket();
  struct sockaddr_in a = sin_of(US, 22000);
  SHOW(bind(l2, SA(a), sizeof a));
  struct sockaddr_in any = sin_of("0.0.0.0", 22000);
  SHOW(bind(l2, SA(any), sizeof any));
  int u2 = udp_socket();
  SHOW(bind(u2, SA(any), sizeof any));
  peer_send(US, 22000, 22001, "to udp");
  peer_lite(US, 22000, 22001, 0, 0, 0, "to lite");
  drain("udp", u);
  drain("lite", l);
  /* An ephemeral UDP-Lite port, then UDP binding it is fine. */
  int e = lite_socket();
  struct sockaddr_in z = sin_of(US, 0);
  SHOW(bind(e, SA(z), sizeof z));
  struct sockaddr_in got;
  socklen_t gl = sizeof got;
  MUST(getsockname(e, SA(got), &gl));
  int u3 = udp_socket();
  SHOW(bind(u3, SA(got), sizeof got));
  /* The peer's port 9 is UDP only. */
  int c = lite_socket();
  struct sockaddr_in p = sin_of(PEER, DISCARD_PORT);
  SHOW(connect(c, SA(p), sizeof p));
  SHOW(send(c, "x", 1, 0));
  msleep(200);
  drain("connected to udp-only port", c);
  SHOW_OPT(c, SOL_SOCKET, SO_ERROR);
  /* Two with SO_REUSEADDR share. */
  int r1 = lite_socket(), r2 = lite_socket();
  SHOW(set_int(r1, SOL_SOCKET, SO_REUSEADDR, 1));
  SHOW(set_int(r2, SOL_SOCKET, SO_REUSEADDR, 1));
  struct sockaddr_in b = sin_of(US, 22002);
  SHOW(bind(r1, SA(b), sizeof b));
  SHOW(bind(r2, SA(b), sizeof b));
  return 0;
}
