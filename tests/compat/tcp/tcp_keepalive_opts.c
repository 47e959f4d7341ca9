/* Keepalive options: defaults, set and read back, limits (EINVAL). */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW_OPT(s, SOL_SOCKET, SO_KEEPALIVE);
  SHOW_OPT(s, IPPROTO_TCP, TCP_KEEPIDLE);
  SHOW_OPT(s, IPPROTO_TCP, TCP_KEEPINTVL);
  SHOW_OPT(s, IPPROTO_TCP, TCP_KEEPCNT);
  SHOW(set_int(s, SOL_SOCKET, SO_KEEPALIVE, 3));
  SHOW_OPT(s, SOL_SOCKET, SO_KEEPALIVE);
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 10));
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 3));
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 4));
  SHOW_OPT(s, IPPROTO_TCP, TCP_KEEPIDLE);
  SHOW_OPT(s, IPPROTO_TCP, TCP_KEEPINTVL);
  SHOW_OPT(s, IPPROTO_TCP, TCP_KEEPCNT);
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 0));
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 40000));
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 0));
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 0));
  SHOW(set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 200));
  return 0;
}
