/* recv(MSG_OOB) on inet datagram sockets: UDP ignores the flag and returns
 * the datagram; a raw ICMP socket refuses it (EOPNOTSUPP). */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20340), s = udp_socket();
  struct sockaddr_in to = sin_of(LOOP, 20340);
  SHOW(sendto(s, "udp", 3, 0, SA(to), sizeof to));
  await(r, POLLIN);
  char buf[16];
  SHOW(recv(r, buf, sizeof buf, MSG_OOB | MSG_DONTWAIT));
  int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  SAY("raw socket %s", raw >= 0 ? "made" : errname(errno));
  if (raw >= 0) SHOW(recv(raw, buf, sizeof buf, MSG_OOB | MSG_DONTWAIT));
  return 0;
}
