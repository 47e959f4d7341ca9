/* TCP_CORK: set/get; corked writes arrive once uncorked. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  SHOW_OPT(s, IPPROTO_TCP, TCP_CORK);
  SHOW(set_int(s, IPPROTO_TCP, TCP_CORK, 1));
  SHOW_OPT(s, IPPROTO_TCP, TCP_CORK);
  SHOW(send(s, "cor", 3, 0));
  SHOW(send(s, "ked", 3, 0));
  SHOW(set_int(s, IPPROTO_TCP, TCP_CORK, 0));
  SHOW_OPT(s, IPPROTO_TCP, TCP_CORK);
  char b[8];
  SHOW(recv_n(s, b, 6, 3000));
  SAY("echo %s", data_str(b, 6));
  return 0;
}
