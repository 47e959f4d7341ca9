/* IPv6 helpers the UDP and TCP compat cases over IPv6 share (tests/compat/
 * udp6, tcp6), on top of inet_compat.h: the addresses the runners give both
 * sides (run_udp_case.sh and run_tcp_case.sh with COMPAT_INET6=1, as
 * netns_lib.sh has them), sockaddr_in6 from text, and names printed so that
 * transcripts compare: "[2001:db8::2]:20001", ports in the ephemeral range as
 * <eph>, a nonzero sin6_flowinfo or sin6_scope_id and an unusual length
 * shown; an AF_INET name as inet_compat.h prints it. */
#pragma once

#include "inet_compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#define US6 "2001:db8::2"     /* the program's side of the link */
#define PEER6 "2001:db8::1"   /* the kernel's peer (udp_peer, tcp_peer) */
#define LOOP6 "::1"
#define ANY6 "::"
#define FOREIGN6 "2001:db8::99" /* on the link's prefix, nobody's */
#define MAPPED_US "::ffff:198.18.0.2"
#define MAPPED_PEER "::ffff:198.18.0.1"
#define MAPPED_LOOP "::ffff:127.0.0.1"

static struct sockaddr_in6 sin6_of(const char *ip, int port) {
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof a);
  a.sin6_family = AF_INET6;
  a.sin6_port = htons((uint16_t)port);
  if (inet_pton(AF_INET6, ip, &a.sin6_addr) != 1) {
    say("FATAL: bad IPv6 address %s", ip);
    exit(2);
  }
  return a;
}

/* Any inet name: "[2001:db8::2]:20001", "[::ffff:198.18.0.1]:7",
 * "198.18.0.2:<eph>"; flowinfo, scope and length shown when unusual. */
static const char *in6_str(const void *sa_, socklen_t len) {
  static char bufs[4][160];
  static int turn;
  char *b = bufs[turn++ & 3];
  const struct sockaddr_in6 *a = sa_;
  if (len < sizeof(sa_family_t)) { snprintf(b, 160, "(len %u)", (unsigned)len); return b; }
  if (a->sin6_family == AF_INET) return in_str(sa_, len);
  if (a->sin6_family != AF_INET6) {
    snprintf(b, 160, "(family %d len %u)", a->sin6_family, (unsigned)len);
    return b;
  }
  if (len < sizeof *a) {
    snprintf(b, 160, "(AF_INET6, short: len %u)", (unsigned)len);
    return b;
  }
  char ip[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
  int n = snprintf(b, 160, "[%s]:%s", ip, port_str(ntohs(a->sin6_port)));
  if (a->sin6_flowinfo) n += snprintf(b + n, 160 - (size_t)n, " flowinfo=0x%x", ntohl(a->sin6_flowinfo));
  if (a->sin6_scope_id) n += snprintf(b + n, 160 - (size_t)n, " scope=%s", a->sin6_scope_id == 1 ? "1 (lo)" : "link");
  if (len != sizeof *a) snprintf(b + n, 160 - (size_t)n, " len=%u", (unsigned)len);
  return b;
}

static void show_name6(const char *label, int fd) {
  struct sockaddr_storage a;
  memset(&a, 0x55, sizeof a);
  socklen_t l = sizeof a;
  if (getsockname(fd, SA(a), &l) < 0) say("getsockname(%s) = -1 %s", label, errname(errno));
  else say("getsockname(%s) = %s", label, in6_str(&a, l));
}

static void show_peer6(const char *label, int fd) {
  struct sockaddr_storage a;
  memset(&a, 0x55, sizeof a);
  socklen_t l = sizeof a;
  if (getpeername(fd, SA(a), &l) < 0) say("getpeername(%s) = -1 %s", label, errname(errno));
  else say("getpeername(%s) = %s", label, in6_str(&a, l));
}

static int port6_of(int fd) {
  struct sockaddr_in6 a;
  socklen_t l = sizeof a;
  MUST(getsockname(fd, SA(a), &l));
  return ntohs(a.sin6_port);
}
