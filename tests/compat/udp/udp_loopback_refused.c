/* (Its waits ask for POLLERR|POLLIN: an inet datagram socket's pending
 * error polls POLLIN under tunsock, deviation udp_errqueue.) */
/* 127.0.0.1 and our own address with no socket on the port: ECONNREFUSED on
 * the connected socket every time (no ICMP rate limit on loopback). */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  struct sockaddr_in lo = sin_of(LOOP, CLOSED_PORT);
  SHOW(connect(s, SA(lo), sizeof lo));
  for (int i = 0; i < 8; i++) {
    SHOW(send(s, "x", 1, 0));
    await(s, POLLERR | POLLIN);
    show_recvfrom("s", s, MSG_DONTWAIT);
  }
  int t = udp_socket();
  struct sockaddr_in us = sin_of(US, CLOSED_PORT);
  SHOW(connect(t, SA(us), sizeof us));
  show_name("t", t);
  SHOW(send(t, "x", 1, 0));
  await(t, POLLERR | POLLIN);
  show_recvfrom("t", t, MSG_DONTWAIT);
  return 0;
}
