/* TCP_MAXSEG: the value before connect, limits on setting it, the MSS in
 * effect on a connection over this link (1500-byte MTU, timestamps). */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW_OPT(s, IPPROTO_TCP, TCP_MAXSEG);
  SHOW(set_int(s, IPPROTO_TCP, TCP_MAXSEG, 10));
  SHOW(set_int(s, IPPROTO_TCP, TCP_MAXSEG, 100000));
  SHOW(set_int(s, IPPROTO_TCP, TCP_MAXSEG, 1000));
  SHOW_OPT(s, IPPROTO_TCP, TCP_MAXSEG);
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  MUST(connect(s, SA(a), sizeof a));
  SHOW_OPT(s, IPPROTO_TCP, TCP_MAXSEG);
  int d = connect_peer(ECHO_PORT);
  SHOW_OPT(d, IPPROTO_TCP, TCP_MAXSEG);
  return 0;
}
