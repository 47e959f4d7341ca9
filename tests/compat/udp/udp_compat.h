/* Helpers of the UDP compat cases (tests/compat/udp), on top of compat.h.
 * run_udp_case.sh runs each case twice over the same addresses: the
 * program is 198.18.0.2/24 (and 127.0.0.1), the kernel's peer is 198.18.0.1
 * running udp_peer (echo on 7, discard on 9 remembering the last datagram,
 * commands on 5000; any other port is closed: ICMP port unreachable).
 * Ports the cases bind themselves are 20000-29999; a port in the ephemeral
 * range 32768-60999 prints as <eph>, so transcripts never hold one. */
#ifndef TUNSOCK_UDP_COMPAT_H
#define TUNSOCK_UDP_COMPAT_H

#include "../inet_compat.h"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/time.h>

#define US "198.18.0.2"
#define PEER "198.18.0.1"
#define LOOP "127.0.0.1"
#define BCAST "198.18.0.255"
enum { ECHO_PORT = 7, DISCARD_PORT = 9, CTL_PORT = 5000, CLOSED_PORT = 9999 };


/* Each helper is written once for the family af (the *_af functions);
 * the cases call the IPv4 names here and the IPv6 ones of udp6_compat.h. */

static int udp_socket_af(int af) { return (int)MUST(socket(af, SOCK_DGRAM, 0)); }
static int udp_socket(void) { return udp_socket_af(AF_INET); }

static int udp_bound_af(int af, const char *ip, int port) { return socket_at_af(af, SOCK_DGRAM, 0, ip, port); }
static int udp_bound(const char *ip, int port) { return udp_bound_af(AF_INET, ip, port); }

static ssize_t send_str_af(int af, int fd, const char *data, const char *ip, int port) {
  struct sockaddr_storage a;
  socklen_t l = sockaddr_af(af, ip, port, &a);
  return sendto(fd, data, strlen(data), 0, SA(a), l);
}
static ssize_t send_str(int fd, const char *data, const char *ip, int port) {
  return send_str_af(AF_INET, fd, data, ip, port);
}
#define SENDTO(fd, data, ip, port) CKL("sendto(" #fd ", \"" data "\", " #ip ":" #port ")", send_str(fd, data, ip, port))

/* recvfrom into a 2048-byte buffer with flags; prints data and source (room
 * for the family's sockaddr; IPv6: "(none)" when there is no name). */
static ssize_t show_recvfrom_af(int af, const char *label, int fd, int flags) {
  static char buf[2048];
  struct sockaddr_storage from;
  memset(&from, af == AF_INET6 ? 0x55 : 0, sizeof from);
  socklen_t fl = af == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  ssize_t n = recvfrom(fd, buf, sizeof buf, flags, SA(from), &fl);
  if (n < 0) say("recvfrom(%s) = -1 %s", label, errname(errno));
  else say("recvfrom(%s) = %zd %s from %s", label, n, data_str(buf, n),
           fl || af != AF_INET6 ? name_str_af(af, &from, fl) : "(none)");
  return n;
}
static ssize_t show_recvfrom(const char *label, int fd, int flags) { return show_recvfrom_af(AF_INET, label, fd, flags); }

/* Everything that arrives on fd until nothing more comes for 500 ms (at
 * most `most` datagrams), then the EAGAIN (or other error) that ends it: a
 * stack that delivers a little later than the kernel is still compared on
 * what arrives. */
static void drain_af(int af, const char *label, int fd, int most) {
  for (int k = 0; k < most; k++) {
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    while (poll(&p, 1, 500) < 0 && errno == EINTR) {}
    if (show_recvfrom_af(af, label, fd, MSG_DONTWAIT) < 0) return;
  }
}
static void drain(const char *label, int fd) { drain_af(AF_INET, label, fd, 1 << 20); }

static int set_int(int fd, int level, int name, int v) { return setsockopt(fd, level, name, &v, sizeof v); }

static void show_opt(const char *label, int fd, int level, int name) {
  int v = -12345;
  socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) < 0) say("getsockopt(%s) = -1 %s", label, errname(errno));
  else say("getsockopt(%s) = %d (len %u)", label, v, (unsigned)l);
}
#define SHOW_OPT(fd, level, name) show_opt(#level ", " #name, fd, level, name)

/* A command to udp_peer; returns its answer ("" on timeout). The answer
 * comes after what the command did has been sent. */
static const char *peer_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *peer_cmd(const char *fmt, ...) {
  static char reply[512];
  char cmd[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  reply[0] = '\0';
  int s = udp_socket();
  struct sockaddr_in a = sin_of(PEER, CTL_PORT);
  MUST(connect(s, SA(a), sizeof a));
  for (int tries = 0; tries < 3 && !reply[0]; tries++) {
    MUST(send(s, cmd, strlen(cmd), 0));
    struct pollfd p = {.fd = s, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 2000) == 1) {
      ssize_t n = recv(s, reply, sizeof reply - 1, MSG_DONTWAIT);
      if (n >= 0) reply[n] = '\0';
      else reply[0] = '\0';
    }
  }
  close(s);
  return reply;
}

/* The peer sends text from PEER:sport (from [PEER6]:sport to an IPv6 dst)
 * to dst:dport with hop limit hops and traffic class tclass. */
static void peer_send_with(const char *dst, int dport, int sport, int hops, int tclass, const char *text) {
  const char *r = peer_cmd("send %s %d %d %d %d 1 0 %s", dst, dport, sport, hops, tclass, text);
  if (strcmp(r, "done") != 0) say("peer send: %s", r[0] ? r : "(no answer)");
}
static void peer_send(const char *dst, int dport, int sport, const char *text) {
  peer_send_with(dst, dport, sport, 64, 0, text);
}

/* What the discard port saw last (an IPv4 or IPv6 sender), the source port
 * shown as <eph> when ephemeral. */
static void show_peer_last(const char *label) {
  const char *r = peer_cmd("last");
  char out[512];
  unsigned port;
  const char *from = strstr(r, "from=");
  const char *colon = from ? strstr(from, "]:") : NULL;
  if (colon) colon++;
  else if (from) colon = strchr(from, ':');
  if (colon && sscanf(colon + 1, "%u", &port) == 1) {
    const char *rest = colon + 1;
    while (*rest >= '0' && *rest <= '9') rest++;
    snprintf(out, sizeof out, "%.*s:%s%s", (int)(colon - r), r, port_str(port), rest);
  } else {
    snprintf(out, sizeof out, "%s", r[0] ? r : "(no answer)");
  }
  say("peer last (%s): %s", label, out);
}

/* ---- control messages ------------------------------------------------- */

static const char *origin_str(int o) {
  switch (o) {
    case SO_EE_ORIGIN_NONE: return "NONE";
    case SO_EE_ORIGIN_LOCAL: return "LOCAL";
    case SO_EE_ORIGIN_ICMP: return "ICMP";
    case SO_EE_ORIGIN_ICMP6: return "ICMP6";
    default: return "?";
  }
}

static const char *ifindex_str(unsigned i) { return i == 1 ? "1 (lo)" : i > 1 ? "link (not lo)" : "0"; }

/* An IP_RECVERR or IPV6_RECVERR cmsg's sock_extended_err and offender (the
 * IPv4 helpers show a whole sockaddr_in or nothing, the IPv6 ones what
 * there is). */
static void show_recverr_af(int af, const char *label, int level, const unsigned char *d, size_t dlen) {
  struct sock_extended_err ee;
  memcpy(&ee, d, sizeof ee);
  say("%s: cmsg %s len %zu errno %s origin %s type %u code %u pad %u info %u data %u", label,
      level == SOL_IPV6 ? "SOL_IPV6 IPV6_RECVERR" : "SOL_IP IP_RECVERR", dlen, errname((int)ee.ee_errno),
      origin_str(ee.ee_origin), ee.ee_type, ee.ee_code, ee.ee_pad, ee.ee_info, ee.ee_data);
  struct sockaddr_storage off;
  size_t ol = dlen - sizeof ee;
  if (af != AF_INET6) {
    if (ol < sizeof(struct sockaddr_in)) return;
    ol = sizeof(struct sockaddr_in);
  }
  if (ol > sizeof off) ol = sizeof off;
  memset(&off, 0, sizeof off);
  memcpy(&off, d + sizeof ee, ol);
  if (ol < sizeof(sa_family_t) || off.ss_family == AF_UNSPEC) say("%s:   offender (none)", label);
  else say("%s:   offender %s", label, name_str_af(af, &off, (socklen_t)ol));
}

static void show_cmsgs_af(int af, const char *label, struct msghdr *mh) {
  int n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    n++;
    size_t dlen = c->cmsg_len - CMSG_LEN(0);
    const unsigned char *d = CMSG_DATA(c);
    int recverr = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                  (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMP) {
      struct timeval tv, now;
      memcpy(&tv, d, sizeof tv);
      gettimeofday(&now, NULL);
      long diff = (long)(now.tv_sec - tv.tv_sec);
      say("%s: cmsg SOL_SOCKET SO_TIMESTAMP len %zu, %s", label, dlen,
          diff >= 0 && diff <= 10 && tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "within 10 s before now" : "OUT OF RANGE");
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
      struct timespec ts, now;
      memcpy(&ts, d, sizeof ts);
      clock_gettime(CLOCK_REALTIME, &now);
      long diff = (long)(now.tv_sec - ts.tv_sec);
      say("%s: cmsg SOL_SOCKET SO_TIMESTAMPNS len %zu, %s", label, dlen,
          diff >= 0 && diff <= 10 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000 ? "within 10 s before now" : "OUT OF RANGE");
    } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_PKTINFO && dlen == sizeof(struct in_pktinfo)) {
      struct in_pktinfo pi;
      memcpy(&pi, d, sizeof pi);
      char spec[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &pi.ipi_spec_dst, spec, sizeof spec);
      inet_ntop(AF_INET, &pi.ipi_addr, addr, sizeof addr);
      say("%s: cmsg SOL_IP IP_PKTINFO ifindex %s spec_dst %s addr %s", label, ifindex_str((unsigned)pi.ipi_ifindex),
          spec, addr);
    } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL && dlen == sizeof(int)) {
      int v;
      memcpy(&v, d, sizeof v);
      say("%s: cmsg SOL_IP IP_TTL %d", label, v);
    } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TOS && dlen == 1) {
      say("%s: cmsg SOL_IP IP_TOS 0x%02x", label, d[0]);
    } else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_PKTINFO && dlen == sizeof(struct in6_pktinfo)) {
      struct in6_pktinfo pi;
      memcpy(&pi, d, sizeof pi);
      char addr[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, &pi.ipi6_addr, addr, sizeof addr);
      say("%s: cmsg SOL_IPV6 IPV6_PKTINFO ifindex %s addr %s", label, ifindex_str(pi.ipi6_ifindex), addr);
    } else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_HOPLIMIT && dlen == sizeof(int)) {
      int v;
      memcpy(&v, d, sizeof v);
      say("%s: cmsg SOL_IPV6 IPV6_HOPLIMIT %d", label, v);
    } else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_TCLASS && dlen == sizeof(int)) {
      int v;
      memcpy(&v, d, sizeof v);
      say("%s: cmsg SOL_IPV6 IPV6_TCLASS 0x%02x", label, v);
    } else if (recverr && dlen >= sizeof(struct sock_extended_err)) {
      show_recverr_af(af, label, c->cmsg_level, d, dlen);
    } else if (recverr && af == AF_INET6) {
      say("%s: cmsg level %d type %d short (len %zu)", label, c->cmsg_level, c->cmsg_type, dlen);
    } else {
      say("%s: cmsg level %d type %d len %zu", label, c->cmsg_level, c->cmsg_type, dlen);
    }
  }
  if (!n) say("%s: no cmsg", label);
}
static void show_cmsgs(const char *label, struct msghdr *mh) { show_cmsgs_af(AF_INET, label, mh); }

/* recvmsg with a 2048-byte buffer, room for the family's sockaddr, control
 * space csize; prints everything. */
static ssize_t show_recvmsg_af(int af, const char *label, int fd, int flags, size_t csize) {
  static char buf[2048];
  static char cbuf[1024] __attribute__((aligned(8)));
  struct sockaddr_storage from;
  memset(&from, 0, sizeof from);
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_name = &from,
                      .msg_namelen = af == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
                      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = csize ? cbuf : NULL, .msg_controllen = csize};
  ssize_t n = recvmsg(fd, &mh, flags);
  if (n < 0) {
    say("recvmsg(%s) = -1 %s", label, errname(errno));
    return n;
  }
  say("recvmsg(%s) = %zd %s from %s flags %s controllen %zu", label, n, data_str(buf, n),
      mh.msg_namelen ? name_str_af(af, &from, mh.msg_namelen) : "(none)", msgflags_str(mh.msg_flags),
      (size_t)mh.msg_controllen);
  show_cmsgs_af(af, label, &mh);
  return n;
}
static ssize_t show_recvmsg(const char *label, int fd, int flags, size_t csize) {
  return show_recvmsg_af(AF_INET, label, fd, flags, csize);
}

#endif
