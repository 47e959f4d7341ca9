/* Port unreachable on ::1 and on our own 2001:db8::2 (the local host
 * answers itself): connected sockets get ECONNREFUSED, unconnected ones do
 * not; with IPV6_RECVERR the queue holds an ICMP6 error from ::1. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  struct sockaddr_in6 c = sin6_of(LOOP6, 20440);
  SHOW(connect(s, SA(c), sizeof c));
  SHOW(send(s, "nobody", 6, 0));
  await(s, POLLERR);
  show_poll("s", s);
  SHOW(recv(s, (char[8]){0}, 8, MSG_DONTWAIT));
  SHOW(send(s, "nobody again", 12, 0));
  await(s, POLLERR);
  SHOW(send(s, "third", 5, 0));
  int u = udp6_socket();
  struct sockaddr_in6 us = sin6_of(US6, 20441);
  SHOW(connect(u, SA(us), sizeof us));
  SHOW(send(u, "to our own", 10, 0));
  await(u, POLLERR);
  SHOW(recv(u, (char[8]){0}, 8, MSG_DONTWAIT));
  int q = udp6_socket();
  SHOW(set_int(q, SOL_IPV6, IPV6_RECVERR, 1));
  SENDTO6(q, "unconnected to lo", LOOP6, 20442);
  await(q, POLLERR);
  show_recvmsg6("q errqueue", q, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  int w = udp6_socket();
  SENDTO6(w, "quietly lost", LOOP6, 20443);
  show_poll("w", w);
  return 0;
}
