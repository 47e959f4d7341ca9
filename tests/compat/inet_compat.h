/* Inet helpers the UDP and TCP compat cases share: sockaddr_in from text,
 * addresses printed so that transcripts compare (ephemeral ports as <eph>),
 * the socket's own and peer names. */
#pragma once

#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static struct sockaddr_in sin_of(const char *ip, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    say("FATAL: bad address %s", ip);
    exit(2);
  }
  return a;
}
#define SA(x) ((struct sockaddr *)&(x))

static const char *port_str(unsigned p) {
  static char bufs[4][16];
  static int turn;
  char *b = bufs[turn++ & 3];
  if (p >= 32768 && p <= 60999) snprintf(b, 16, "<eph>");
  else snprintf(b, 16, "%u", p);
  return b;
}

/* "198.18.0.2:20001", "0.0.0.0:<eph>"; another family or length is named. */
static const char *in_str(const void *sa_, socklen_t len) {
  static char bufs[4][96];
  static int turn;
  char *b = bufs[turn++ & 3];
  const struct sockaddr_in *a = sa_;
  if (len < sizeof(sa_family_t)) { snprintf(b, 96, "(len %u)", (unsigned)len); return b; }
  if (a->sin_family != AF_INET) {
    snprintf(b, 96, "(family %d len %u)", a->sin_family, (unsigned)len);
    return b;
  }
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
  int n = snprintf(b, 96, "%s:%s", ip, port_str(ntohs(a->sin_port)));
  if (len != sizeof *a) snprintf(b + n, 96 - (size_t)n, " len=%u", (unsigned)len);
  return b;
}

static void show_name(const char *label, int fd) {
  struct sockaddr_in a;
  memset(&a, 0x55, sizeof a);
  socklen_t l = sizeof a;
  if (getsockname(fd, SA(a), &l) < 0) say("getsockname(%s) = -1 %s", label, errname(errno));
  else say("getsockname(%s) = %s", label, in_str(&a, l));
}

static void show_peer(const char *label, int fd) {
  struct sockaddr_in a;
  memset(&a, 0x55, sizeof a);
  socklen_t l = sizeof a;
  if (getpeername(fd, SA(a), &l) < 0) say("getpeername(%s) = -1 %s", label, errname(errno));
  else say("getpeername(%s) = %s", label, in_str(&a, l));
}

static int port_of(int fd) {
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  MUST(getsockname(fd, SA(a), &l));
  return ntohs(a.sin_port);
}

