/* Inet helpers the UDP and TCP compat cases share, for both families:
 * sockaddrs from text, addresses printed so that transcripts compare
 * (ephemeral ports as <eph>), the socket's own and peer names.
 * Each helper is written once, for the family af it is given (the *_af
 * functions); the cases call the per-family names below them: sin_of,
 * in_str, show_name, show_peer, port_of for IPv4 and sin6_of, in6_str,
 * show_name6, show_peer6, port6_of for IPv6 (inet6_compat.h adds the IPv6
 * addresses). The IPv4 helpers print an AF_INET name only (any other family
 * as "(family N len L)"); the IPv6 ones print either family's. */
#pragma once

#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#define SA(x) ((struct sockaddr *)&(x))

/* ip:port of family af into *ss (a FATAL exit when ip is not one); its length. */
static socklen_t sockaddr_af(int af, const char *ip, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  ss->ss_family = (sa_family_t)af;
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (af == AF_INET6) {
    a6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) return sizeof *a6;
  } else {
    a4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) return sizeof *a4;
  }
  say("FATAL: bad %saddress %s", af == AF_INET6 ? "IPv6 " : "", ip);
  exit(2);
}

static struct sockaddr_in sin_of(const char *ip, int port) {
  struct sockaddr_storage ss;
  struct sockaddr_in a;
  memcpy(&a, &ss, sockaddr_af(AF_INET, ip, port, &ss));
  return a;
}

static struct sockaddr_in6 sin6_of(const char *ip, int port) {
  struct sockaddr_storage ss;
  struct sockaddr_in6 a;
  memcpy(&a, &ss, sockaddr_af(AF_INET6, ip, port, &ss));
  return a;
}

/* A socket of family af and type, bound to (conn 0) or connected to (conn
 * 1) ip:port; both have to succeed. */
static int socket_at_af(int af, int type, int conn, const char *ip, int port) {
  int s = (int)MUST(socket(af, type, 0));
  struct sockaddr_storage a;
  socklen_t l = sockaddr_af(af, ip, port, &a);
  MUST(conn ? connect(s, SA(a), l) : bind(s, SA(a), l));
  return s;
}

static const char *port_str(unsigned p) {
  static char bufs[4][16];
  static int turn;
  char *b = bufs[turn++ & 3];
  if (p >= 32768 && p <= 60999) snprintf(b, 16, "<eph>");
  else snprintf(b, 16, "%u", p);
  return b;
}

/* "198.18.0.2:20001", "0.0.0.0:<eph>"; for af AF_INET6 also
 * "[2001:db8::2]:20001", "[::ffff:198.18.0.1]:7", a nonzero sin6_flowinfo
 * or sin6_scope_id and a short AF_INET6 name shown; another family (for af
 * AF_INET: AF_INET6 too) or length is named. */
static const char *name_str_af(int af, const void *sa_, socklen_t len) {
  static char bufs[8][160];
  static int turn;
  char *b = bufs[turn++ & 7];
  const struct sockaddr *sa = sa_;
  if (len < sizeof(sa_family_t)) {
    snprintf(b, 160, "(len %u)", (unsigned)len);
  } else if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *a = sa_;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    int n = snprintf(b, 160, "%s:%s", ip, port_str(ntohs(a->sin_port)));
    if (len != sizeof *a) snprintf(b + n, 160 - (size_t)n, " len=%u", (unsigned)len);
  } else if (af != AF_INET6 || sa->sa_family != AF_INET6) {
    snprintf(b, 160, "(family %d len %u)", sa->sa_family, (unsigned)len);
  } else if (len < sizeof(struct sockaddr_in6)) {
    snprintf(b, 160, "(AF_INET6, short: len %u)", (unsigned)len);
  } else {
    const struct sockaddr_in6 *a = sa_;
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    int n = snprintf(b, 160, "[%s]:%s", ip, port_str(ntohs(a->sin6_port)));
    if (a->sin6_flowinfo) n += snprintf(b + n, 160 - (size_t)n, " flowinfo=0x%x", ntohl(a->sin6_flowinfo));
    if (a->sin6_scope_id) n += snprintf(b + n, 160 - (size_t)n, " scope=%s", a->sin6_scope_id == 1 ? "1 (lo)" : "link");
    if (len != sizeof *a) snprintf(b + n, 160 - (size_t)n, " len=%u", (unsigned)len);
  }
  return b;
}
static const char *in_str(const void *sa, socklen_t len) { return name_str_af(AF_INET, sa, len); }
static const char *in6_str(const void *sa, socklen_t len) { return name_str_af(AF_INET6, sa, len); }

/* getsockname (peer 0) or getpeername (peer 1) printed; the name's room is
 * a sockaddr_in for af AF_INET (a longer name is cut, its length shown),
 * any name for AF_INET6. */
static void show_name_af(int af, int peer, const char *label, int fd) {
  const char *call = peer ? "getpeername" : "getsockname";
  struct sockaddr_storage a;
  memset(&a, 0x55, sizeof a);
  socklen_t l = af == AF_INET6 ? sizeof a : sizeof(struct sockaddr_in);
  int r = peer ? getpeername(fd, SA(a), &l) : getsockname(fd, SA(a), &l);
  if (r < 0) say("%s(%s) = -1 %s", call, label, errname(errno));
  else say("%s(%s) = %s", call, label, name_str_af(af, &a, l));
}
static void show_name(const char *label, int fd) { show_name_af(AF_INET, 0, label, fd); }
static void show_peer(const char *label, int fd) { show_name_af(AF_INET, 1, label, fd); }
static void show_name6(const char *label, int fd) { show_name_af(AF_INET6, 0, label, fd); }
static void show_peer6(const char *label, int fd) { show_name_af(AF_INET6, 1, label, fd); }

/* The socket's own port (either family: the port sits at the same place). */
static int port_of(int fd) {
  struct sockaddr_storage a;
  socklen_t l = sizeof a;
  MUST(getsockname(fd, SA(a), &l));
  return ntohs(((struct sockaddr_in *)&a)->sin_port);
}
static int port6_of(int fd) { return port_of(fd); }
