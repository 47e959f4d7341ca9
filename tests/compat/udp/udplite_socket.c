/* A UDP-Lite socket: socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE) and what
 * it says of itself (SO_TYPE, SO_PROTOCOL, SO_DOMAIN, its name before and
 * after an implicit bind); other socket types with protocol 136. */
#include "udplite_compat.h"
int main(void) {
  int s = lite_socket();
  SHOW_OPT(s, SOL_SOCKET, SO_TYPE);
  SHOW_OPT(s, SOL_SOCKET, SO_PROTOCOL);
  SHOW_OPT(s, SOL_SOCKET, SO_DOMAIN);
  show_name("fresh", s);
  struct sockaddr_in a = sin_of(PEER, LITE_ECHO);
  SHOW(sendto(s, "x", 1, 0, SA(a), sizeof a));
  show_name("after sendto", s);
  drain("echo", s);
  SHOW(socket(AF_INET, SOCK_STREAM, IPPROTO_UDPLITE));
  SHOW(socket(AF_INET, SOCK_SEQPACKET, IPPROTO_UDPLITE));
  SHOW(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDPLITE) >= 0);
  SHOW(socket(AF_INET, SOCK_DGRAM, 137));
  return 0;
}
