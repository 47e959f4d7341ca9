/* UDP over IPv6, unconnected: sendto the peer's echo port autobinds to
 * [::]:<eph>; the answer comes from [2001:db8::1]:7 with sin6_flowinfo and
 * sin6_scope_id zero; sendmsg/recvmsg with names; a datagram to ::1 between
 * two of our own sockets shows [::1] as the source. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_socket();
  show_name6("s fresh", s);
  show_peer6("s fresh", s);
  SENDTO6(s, "hello six", PEER6, ECHO_PORT);
  show_name6("s after sendto", s);
  await(s, POLLIN);
  show_recvfrom6("s", s, 0);
  /* the raw fields of the source name */
  SENDTO6(s, "fields", PEER6, ECHO_PORT);
  await(s, POLLIN);
  char buf[64];
  struct sockaddr_in6 from;
  memset(&from, 0x55, sizeof from);
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(s, buf, sizeof buf, 0, SA(from), &fl);
  SAY("recvfrom = %zd len %u family %s port %u flowinfo %u scope_id %u", n, (unsigned)fl,
      from.sin6_family == AF_INET6 ? "AF_INET6" : "other", ntohs(from.sin6_port), from.sin6_flowinfo,
      from.sin6_scope_id);
  /* sendmsg / recvmsg */
  struct sockaddr_in6 echo = sin6_of(PEER6, ECHO_PORT);
  struct iovec iov[2] = {{"two ", 4}, {"parts", 5}};
  struct msghdr mh = {.msg_name = &echo, .msg_namelen = sizeof echo, .msg_iov = iov, .msg_iovlen = 2};
  SHOW(sendmsg(s, &mh, 0));
  await(s, POLLIN);
  show_recvmsg6("s", s, 0, 0);
  /* between our own sockets over ::1 */
  int a = udp6_bound(LOOP6, 20100);
  int b = udp6_bound(LOOP6, 20101);
  show_name6("a", a);
  SENDTO6(a, "over lo", LOOP6, 20101);
  await(b, POLLIN);
  show_recvfrom6("b", b, 0);
  SENDTO6(b, "to us", US6, 20102);
  int c = udp6_bound(US6, 20102);
  SENDTO6(b, "to us again", US6, 20102);
  await(c, POLLIN);
  show_recvfrom6("c", c, MSG_DONTWAIT);
  show_recvfrom6("c", c, MSG_DONTWAIT);
  return 0;
}
