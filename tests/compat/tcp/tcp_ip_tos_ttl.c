/* IP_TOS and IP_TTL on TCP sockets: defaults, set and read back, limits;
 * a connection still works with them set. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW_OPT(s, IPPROTO_IP, IP_TOS);
  SHOW_OPT(s, IPPROTO_IP, IP_TTL);
  SHOW(set_int(s, IPPROTO_IP, IP_TOS, 0x10));
  SHOW_OPT(s, IPPROTO_IP, IP_TOS);
  SHOW(set_int(s, IPPROTO_IP, IP_TOS, 0x13));
  SHOW_OPT(s, IPPROTO_IP, IP_TOS);
  SHOW(set_int(s, IPPROTO_IP, IP_TTL, 5));
  SHOW_OPT(s, IPPROTO_IP, IP_TTL);
  SHOW(set_int(s, IPPROTO_IP, IP_TTL, 0));
  SHOW(set_int(s, IPPROTO_IP, IP_TTL, 256));
  SHOW(set_int(s, IPPROTO_IP, IP_TTL, -1));
  SHOW_OPT(s, IPPROTO_IP, IP_TTL);
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  SHOW(send(s, "tos", 3, 0));
  char b[4];
  SHOW(recv_n(s, b, 3, 3000));
  SHOW_OPT(s, IPPROTO_IP, IP_TOS);
  return 0;
}
