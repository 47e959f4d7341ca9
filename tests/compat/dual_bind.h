/* The dual-stack bind matrix's steps, shared by udp6/udp6_dual_bind.c and
 * tcp6/tcp6_dual_bind.c: a case defines DUAL_BIND_TYPE (SOCK_DGRAM or
 * SOCK_STREAM) and includes this after its compat header, then lists its
 * rows with
 *   v6(ip, port, v6only, reuse)  an AF_INET6 socket, IPV6_V6ONLY set to
 *                                v6only first (-1 leaves it), SO_REUSEADDR
 *                                when reuse, bound to [ip]:port
 *   v4(ip, port, reuse)          an AF_INET socket likewise
 * each printing the bind's result and returning the socket. */
#ifndef TUNSOCK_DUAL_BIND_H
#define TUNSOCK_DUAL_BIND_H

#include "inet6_compat.h"

static int v6(const char *ip, int port, int v6only, int reuse) {
  int s = (int)MUST(socket(AF_INET6, DUAL_BIND_TYPE, 0));
  if (v6only >= 0 && set_int(s, SOL_IPV6, IPV6_V6ONLY, v6only) < 0)
    SAY("setsockopt(IPV6_V6ONLY, %d) = -1 %s", v6only, errname(errno));
  if (reuse) MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  struct sockaddr_in6 a = sin6_of(ip, port);
  int r = bind(s, SA(a), sizeof a);
  SAY("bind v6 [%s]:%d v6only=%d reuse=%d = %d %s", ip, port, v6only, reuse, r, r < 0 ? errname(errno) : "");
  return s;
}
static int v4(const char *ip, int port, int reuse) {
  int s = (int)MUST(socket(AF_INET, DUAL_BIND_TYPE, 0));
  if (reuse) MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  struct sockaddr_in a = sin_of(ip, port);
  int r = bind(s, SA(a), sizeof a);
  SAY("bind v4 %s:%d reuse=%d = %d %s", ip, port, reuse, r, r < 0 ? errname(errno) : "");
  return s;
}

#endif
