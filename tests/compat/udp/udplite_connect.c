/* A connected UDP-Lite socket: its names, send/recv with the echo, with a
 * coverage set, a datagram from another port filtered out, connect again
 * and AF_UNSPEC dissolving it; over loopback a coverage below the
 * receiver's minimum is dropped. */
#include "udplite_compat.h"
int main(void) {
  int c = lite_socket();
  struct sockaddr_in p = sin_of(PEER, LITE_ECHO);
  SHOW(connect(c, SA(p), sizeof p));
  show_name("connected", c);
  show_peer("connected", c);
  SHOW(send(c, "plain", 5, 0));
  drain("echo", c);
  SHOW(set_int(c, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 10));
  SHOW(send(c, "partly covered", 14, 0));
  drain("echo cov 10", c);
  struct sockaddr_in me;
  socklen_t ml = sizeof me;
  MUST(getsockname(c, SA(me), &ml));
  peer_lite(US, ntohs(me.sin_port), 23001, 0, 0, 0, "from elsewhere");
  drain("other port", c);
  struct sockaddr_in p8 = sin_of(PEER, LITE_ECHO_MIN20);
  SHOW(connect(c, SA(p8), sizeof p8));
  SHOW(send(c, "cov 10 to min 20", 16, 0));
  drain("echo min 20, cov 10", c);
  SHOW(set_int(c, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 0));
  SHOW(send(c, "full to min 20", 14, 0));
  drain("echo min 20, full", c);
  struct sockaddr_in un = {.sin_family = AF_UNSPEC};
  SHOW(connect(c, SA(un), sizeof un));
  show_peer("dissolved", c);
  SHOW(send(c, "x", 1, 0));
  /* Loopback. */
  int srv = lite_bound(LOOP, 23000);
  SHOW(set_int(srv, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 12));
  int cl = lite_socket();
  struct sockaddr_in lp = sin_of(LOOP, 23000);
  SHOW(connect(cl, SA(lp), sizeof lp));
  SHOW(set_int(cl, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 12));
  SHOW(send(cl, "covered twelve", 14, 0));
  drain("loopback cov 12", srv);
  SHOW(set_int(cl, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 9));
  SHOW(send(cl, "covered nine", 12, 0));
  drain("loopback cov 9", srv);
  SHOW(set_int(cl, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 0));
  SHOW(send(cl, "all", 3, 0));
  drain("loopback full", srv);
  return 0;
}
