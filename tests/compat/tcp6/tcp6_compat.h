/* Helpers of the TCP-over-IPv6 compat cases (tests/compat/tcp6): the IPv6
 * names of tcp_compat.h's socket helpers (written once there for either
 * family), besides its IPv4 ones, tcp_peer's services and commands,
 * readiness and TCP_INFO, and inet6_compat.h's addresses. run_tcp_case.sh
 * runs them with IPv6 on both sides: the program is 2001:db8::2/64 besides
 * 198.18.0.2/24 (and ::1, 127.0.0.1), tcp_peer listens on 198.18.0.1 and
 * 2001:db8::1 alike (echo 7, discard 9, hold 11, reset 12, greet 13, bulk
 * 14, unread 15; 9999 refused by RST, 9998 silent, 9997 answered with
 * ICMPv6 port unreachable, 9996 with ICMPv6 administratively prohibited). */
#ifndef TUNSOCK_TCP6_COMPAT_H
#define TUNSOCK_TCP6_COMPAT_H

#include "../tcp/tcp_compat.h"
#include "../inet6_compat.h"

enum { ICMP_UNREACH_PORT = 9997, ICMP_PROHIBITED_PORT = 9996 };

static int tcp6_socket(void) { return tcp_socket_af(AF_INET6); }
static int tcp6_connected(const char *ip, int port) { return tcp_connected_af(AF_INET6, ip, port); }
static int connect_peer6(int port) { return tcp6_connected(PEER6, port); }
/* A listener on [ip]:port (SO_REUSEADDR set; V6ONLY as given, -1 leaves it). */
static int tcp6_listener(const char *ip, int port, int backlog, int v6only) {
  return tcp_listener_af(AF_INET6, ip, port, backlog, v6only);
}
static int loop6_pair(int port, int *srv) { return loop_pair_af(AF_INET6, LOOP6, port, srv); }

/* accept printing the peer's name (bounded wait first). */
static int show_accept6(const char *label, int l) {
  await_ms(l, POLLIN, 3000);
  struct sockaddr_storage a;
  memset(&a, 0x55, sizeof a);
  socklen_t al = sizeof a;
  int fd = accept(l, SA(a), &al);
  if (fd < 0) say("accept(%s) = -1 %s", label, errname(errno));
  else say("accept(%s) = ok from %s", label, in6_str(&a, al));
  return fd;
}

#endif
