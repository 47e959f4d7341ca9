/* Errors on a dual-stack UDP socket talking IPv4 (mapped): the ICMP port
 * unreachable is ECONNREFUSED for a connected socket as for IPv4; with
 * IP_RECVERR the error queue holds it as SOL_IP IP_RECVERR (origin ICMP,
 * type 3 code 3) with a mapped name, with IPV6_RECVERR alone what Linux
 * does is shown; over IPv6 with both options set the IPv6 form. */
#include "udp6_compat.h"
static void probe(const char *label, int ip_recverr, int ipv6_recverr, const char *dst) {
  int s = udp6_socket();
  if (ip_recverr && set_int(s, SOL_IP, IP_RECVERR, 1) < 0) SAY("IP_RECVERR: %s", errname(errno));
  if (ipv6_recverr && set_int(s, SOL_IPV6, IPV6_RECVERR, 1) < 0) SAY("IPV6_RECVERR: %s", errname(errno));
  SAY("-- %s", label);
  struct sockaddr_in6 c = sin6_of(dst, CLOSED_PORT);
  SHOW(sendto(s, "probe", 5, 0, SA(c), sizeof c));
  short r = await(s, POLLERR);
  SAY("POLLERR %s", r & POLLERR ? "yes" : "no");
  show_recvmsg6(label, s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  int e = -1;
  socklen_t el = sizeof e;
  getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el);
  SAY("SO_ERROR = %s", errname(e));
  close(s);
}
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 c = sin6_of(MAPPED_PEER, CLOSED_PORT);
  SHOW(connect(s, SA(c), sizeof c));
  SHOW(send(s, "connected", 9, 0));
  await(s, POLLERR);
  SHOW(recv(s, (char[8]){0}, 8, MSG_DONTWAIT));
  probe("mapped, IP_RECVERR", 1, 0, MAPPED_PEER);
  probe("mapped, IPV6_RECVERR", 0, 1, MAPPED_PEER);
  probe("mapped, both", 1, 1, MAPPED_PEER);
  probe("v6, both", 1, 1, PEER6);
  probe("v6, IP_RECVERR only", 1, 0, PEER6);
  return 0;
}
