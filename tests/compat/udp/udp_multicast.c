/* Multicast on the link: IP_MULTICAST_IF (default, set by address), joining
 * 239.1.2.3 on 198.18.0.2, sending to the group through the chosen
 * interface (no route needed) with IP_MULTICAST_TTL; our own member socket
 * gets the looped copy while IP_MULTICAST_LOOP is on; joining twice is
 * EADDRINUSE, leaving twice EADDRNOTAVAIL. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  struct in_addr ifa;
  socklen_t l = sizeof ifa;
  memset(&ifa, 0x55, sizeof ifa);
  if (getsockopt(s, SOL_IP, IP_MULTICAST_IF, &ifa, &l) < 0) say("IP_MULTICAST_IF: -1 %s", errname(errno));
  else say("IP_MULTICAST_IF: %s (len %u)", inet_ntoa(ifa), (unsigned)l);
  struct sockaddr_in grp = sin_of("239.1.2.3", 20390);
  SHOW(sendto(s, "no route", 8, 0, SA(grp), sizeof grp));
  struct in_addr us;
  inet_pton(AF_INET, US, &us);
  SHOW(setsockopt(s, SOL_IP, IP_MULTICAST_IF, &us, sizeof us));
  l = sizeof ifa;
  if (getsockopt(s, SOL_IP, IP_MULTICAST_IF, &ifa, &l) == 0) say("IP_MULTICAST_IF: %s (len %u)", inet_ntoa(ifa), (unsigned)l);
  int m = udp_bound("0.0.0.0", 20390);
  struct ip_mreq mr;
  inet_pton(AF_INET, "239.1.2.3", &mr.imr_multiaddr);
  mr.imr_interface = us;
  SHOW(setsockopt(m, SOL_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr));
  SHOW(setsockopt(m, SOL_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr));
  SHOW(set_int(s, SOL_IP, IP_MULTICAST_TTL, 3));
  SHOW(sendto(s, "to the group", 12, 0, SA(grp), sizeof grp));
  await(m, POLLIN);
  show_recvfrom("m", m, MSG_DONTWAIT);
  SHOW(set_int(s, SOL_IP, IP_MULTICAST_LOOP, 0));
  SHOW(sendto(s, "not looped", 10, 0, SA(grp), sizeof grp));
  sleep_ms(100);
  show_recvfrom("m", m, MSG_DONTWAIT);
  SHOW(setsockopt(m, SOL_IP, IP_DROP_MEMBERSHIP, &mr, sizeof mr));
  SHOW(setsockopt(m, SOL_IP, IP_DROP_MEMBERSHIP, &mr, sizeof mr));
  return 0;
}
