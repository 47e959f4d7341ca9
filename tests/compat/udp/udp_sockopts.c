/* Socket-level facts of a UDP socket (SO_TYPE, SO_PROTOCOL, SO_DOMAIN,
 * SO_ACCEPTCONN, SO_ERROR) and options that do not exist: ENOPROTOOPT at
 * SOL_SOCKET, SOL_IP and SOL_UDP, and whatever Linux says for a level that
 * is not UDP's. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SHOW_OPT(s, SOL_SOCKET, SO_TYPE);
  SHOW_OPT(s, SOL_SOCKET, SO_PROTOCOL);
  SHOW_OPT(s, SOL_SOCKET, SO_DOMAIN);
  SHOW_OPT(s, SOL_SOCKET, SO_ACCEPTCONN);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  SHOW_OPT(s, SOL_SOCKET, SO_KEEPALIVE);
  SHOW_OPT(s, SOL_SOCKET, SO_DONTROUTE);
  SHOW_OPT(s, SOL_SOCKET, 9999);
  SHOW_OPT(s, SOL_IP, 9999);
  SHOW_OPT(s, SOL_UDP, 9999);
  SHOW_OPT(s, IPPROTO_TCP, 1);
  SHOW(set_int(s, SOL_SOCKET, 9999, 1));
  SHOW(set_int(s, SOL_IP, 9999, 1));
  SHOW(set_int(s, SOL_UDP, 9999, 1));
  SHOW(set_int(s, IPPROTO_TCP, 1, 1));
  SHOW(set_int(s, SOL_SOCKET, SO_ERROR, 1));
  SHOW(set_int(s, SOL_SOCKET, SO_TYPE, 1));
  int v = 0;
  socklen_t l = 0;
  SHOW(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
  SAY("len %u", (unsigned)l);
  SHOW(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, 0));
  SHOW(setsockopt(s, SOL_IP, IP_TTL, &v, 0));
  return 0;
}
