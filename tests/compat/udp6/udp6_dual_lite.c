/* UDP-Lite on a dual-stack socket: a v6 UDP-Lite socket reaches the
 * peer's IPv4 UDP-Lite echo through ::ffff:198.18.0.1 (names mapped, send
 * coverage kept), and receives IPv4 UDP-Lite over 127.0.0.1 as mapped;
 * V6ONLY refuses the mapped destination. */
#include "udp6_compat.h"
#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#endif
int main(void) {
  int s = (int)CKOK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE));
  if (s < 0) return 0;
  struct sockaddr_in6 b = sin6_of(ANY6, 20490);
  SHOW(bind(s, SA(b), sizeof b));
  SENDTO6(s, "lite to mapped", MAPPED_PEER, ECHO_PORT);
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  SHOW(set_int(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 10));
  SENDTO6(s, "mapped partial", MAPPED_PEER, ECHO_PORT);
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  int f = (int)MUST(socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE));
  struct sockaddr_in to = sin_of(LOOP, 20490);
  SHOW(sendto(f, "v4 lite over lo", 15, 0, SA(to), sizeof to));
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  int c = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE));
  struct sockaddr_in6 me = sin6_of(MAPPED_PEER, ECHO_PORT);
  SHOW(connect(c, SA(me), sizeof me));
  show_name6("c", c);
  show_peer6("c", c);
  SHOW(send(c, "connected mapped lite", 21, 0));
  await(c, POLLIN);
  show_recvfrom6("c", c, MSG_DONTWAIT);
  int o = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE));
  SHOW(set_int(o, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW(connect(o, SA(me), sizeof me));
  return 0;
}
