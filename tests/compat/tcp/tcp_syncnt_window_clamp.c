/* TCP_SYNCNT and TCP_WINDOW_CLAMP and TCP_LINGER2: get/set and limits. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW_OPT(s, IPPROTO_TCP, TCP_SYNCNT);
  SHOW(set_int(s, IPPROTO_TCP, TCP_SYNCNT, 2));
  SHOW_OPT(s, IPPROTO_TCP, TCP_SYNCNT);
  SHOW(set_int(s, IPPROTO_TCP, TCP_SYNCNT, 0));
  SHOW(set_int(s, IPPROTO_TCP, TCP_SYNCNT, 300));
  SHOW_OPT(s, IPPROTO_TCP, TCP_LINGER2);
  SHOW(set_int(s, IPPROTO_TCP, TCP_LINGER2, 10));
  SHOW_OPT(s, IPPROTO_TCP, TCP_LINGER2);
  SHOW_OPT(s, IPPROTO_TCP, TCP_WINDOW_CLAMP);
  return 0;
}
