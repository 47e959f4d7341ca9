/* A v6 socket connected to ::ffff:198.18.0.1 talks IPv4: names are mapped
 * (the source ::ffff:198.18.0.2), echo works, port unreachable is
 * ECONNREFUSED; V6ONLY refuses mapped destinations (connect and sendto
 * ENETUNREACH); a socket bound to a mapped address cannot send to an IPv6
 * one, and one bound to an IPv6 address cannot send to a mapped one;
 * connect to ::ffff:0.0.0.0. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 me = sin6_of(MAPPED_PEER, ECHO_PORT);
  SHOW(connect(s, SA(me), sizeof me));
  show_name6("s", s);
  show_peer6("s", s);
  SHOW(send(s, "mapped echo", 11, 0));
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  struct sockaddr_in6 mc = sin6_of(MAPPED_PEER, CLOSED_PORT);
  SHOW(connect(s, SA(mc), sizeof mc));
  SHOW(send(s, "refused?", 8, 0));
  await(s, POLLERR);
  SHOW(recv(s, (char[8]){0}, 8, MSG_DONTWAIT));
  int o = udp6_socket();
  SHOW(set_int(o, SOL_IPV6, IPV6_V6ONLY, 1));
  SHOW(connect(o, SA(me), sizeof me));
  SENDTO6(o, "v6only to mapped", MAPPED_PEER, ECHO_PORT);
  struct sockaddr_in pe = sin_of(PEER, ECHO_PORT);
  SHOW(connect(o, SA(pe), sizeof pe));
  SHOW(sendto(o, "v6only to AF_INET", 17, 0, SA(pe), sizeof pe));
  show_name6("o", o);
  int m = udp6_bound(MAPPED_US, 20270);
  SENDTO6(m, "mapped-bound to v6", PEER6, ECHO_PORT);
  SENDTO6(m, "mapped-bound to mapped", MAPPED_PEER, ECHO_PORT);
  await(m, POLLIN);
  show_recvfrom6("m", m, MSG_DONTWAIT);
  int v = udp6_bound(US6, 20271);
  SENDTO6(v, "v6-bound to mapped", MAPPED_PEER, ECHO_PORT);
  struct sockaddr_in6 ve = sin6_of(PEER6, ECHO_PORT);
  int w = udp6_bound(MAPPED_US, 20272);
  SHOW(connect(w, SA(ve), sizeof ve));
  int z = udp6_socket();
  struct sockaddr_in6 mz = sin6_of("::ffff:0.0.0.0", 20273);
  int r = udp_bound(LOOP, 20273);
  SHOW(connect(z, SA(mz), sizeof mz));
  show_name6("z", z);
  show_peer6("z", z);
  SHOW(send(z, "to mapped any", 13, 0));
  await(r, POLLIN);
  show_recvfrom("r", r, MSG_DONTWAIT);
  return 0;
}
