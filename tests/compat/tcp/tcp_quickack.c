/* TCP_QUICKACK: get and set on a connected socket (the value read back is
 * Linux's pingpong view: 1 right after setting 1). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  SHOW_OPT(s, IPPROTO_TCP, TCP_QUICKACK);
  SHOW(set_int(s, IPPROTO_TCP, TCP_QUICKACK, 1));
  SHOW_OPT(s, IPPROTO_TCP, TCP_QUICKACK);
  SHOW(set_int(s, IPPROTO_TCP, TCP_QUICKACK, 0));
  SHOW_OPT(s, IPPROTO_TCP, TCP_QUICKACK);
  SHOW(send(s, "q", 1, 0));
  char b[2];
  SHOW(recv_n(s, b, 1, 3000));
  return 0;
}
