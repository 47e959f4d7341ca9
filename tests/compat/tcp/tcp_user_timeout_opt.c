/* TCP_USER_TIMEOUT get/set: default 0, a value read back, negative EINVAL. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW_OPT(s, IPPROTO_TCP, TCP_USER_TIMEOUT);
  SHOW(set_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000));
  SHOW_OPT(s, IPPROTO_TCP, TCP_USER_TIMEOUT);
  SHOW(set_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, -1));
  SHOW_OPT(s, IPPROTO_TCP, TCP_USER_TIMEOUT);
  SHOW(set_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 0));
  SHOW_OPT(s, IPPROTO_TCP, TCP_USER_TIMEOUT);
  return 0;
}
