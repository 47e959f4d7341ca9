/* Helpers of the TCP-over-IPv6 compat cases (tests/compat/tcp6), on top of
 * tcp_compat.h (tcp_peer's services and commands, readiness, TCP_INFO) and
 * inet6_compat.h. run_tcp_case.sh runs them with IPv6 on both sides: the
 * program is 2001:db8::2/64 besides 198.18.0.2/24 (and ::1, 127.0.0.1),
 * tcp_peer listens on 198.18.0.1 and 2001:db8::1 alike (echo 7, discard 9,
 * hold 11, reset 12, greet 13, bulk 14, unread 15; 9999 refused by RST,
 * 9998 silent, 9997 answered with ICMPv6 port unreachable, 9996 with ICMPv6
 * administratively prohibited). */
#ifndef TUNSOCK_TCP6_COMPAT_H
#define TUNSOCK_TCP6_COMPAT_H

#include "../tcp/tcp_compat.h"
#include "../inet6_compat.h"

enum { ICMP_UNREACH_PORT = 9997, ICMP_PROHIBITED_PORT = 9996 };

static int tcp6_socket(void) { return (int)MUST(socket(AF_INET6, SOCK_STREAM, 0)); }

/* A blocking connect that has to succeed. */
static int tcp6_connected(const char *ip, int port) {
  int s = tcp6_socket();
  struct sockaddr_in6 a = sin6_of(ip, port);
  MUST(connect(s, SA(a), sizeof a));
  return s;
}
static int connect_peer6(int port) { return tcp6_connected(PEER6, port); }

/* A listener on [ip]:port (SO_REUSEADDR set; V6ONLY as given, -1 leaves it). */
static int tcp6_listener(const char *ip, int port, int backlog, int v6only) {
  int s = tcp6_socket();
  MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  if (v6only >= 0 && set_int(s, SOL_IPV6, IPV6_V6ONLY, v6only) < 0)
    say("tcp6_listener: setsockopt(IPV6_V6ONLY, %d) = -1 %s", v6only, errname(errno));
  struct sockaddr_in6 a = sin6_of(ip, port);
  MUST(bind(s, SA(a), sizeof a));
  MUST(listen(s, backlog));
  return s;
}

/* A connected pair over [::1]:port: *srv gets the accepted end. */
static int loop6_pair(int port, int *srv) {
  int l = tcp6_listener(LOOP6, port, 4, -1);
  int c = tcp6_connected(LOOP6, port);
  *srv = (int)MUST(accept(l, NULL, NULL));
  close(l);
  return c;
}

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
