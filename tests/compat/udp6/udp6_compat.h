/* Helpers of the UDP-over-IPv6 compat cases (tests/compat/udp6), on top of
 * udp_compat.h (its IPv4 helpers, the peer's command port) and
 * inet6_compat.h. run_udp_case.sh runs them with IPv6 on both sides: the
 * program is 2001:db8::2/64 besides 198.18.0.2/24 (and ::1, 127.0.0.1), the
 * kernel's udp_peer serves both 198.18.0.1 and 2001:db8::1 (echo 7, discard
 * 9, commands 5000; UDP-Lite echo 7; any other port: ICMPv6 port
 * unreachable). */
#ifndef TUNSOCK_UDP6_COMPAT_H
#define TUNSOCK_UDP6_COMPAT_H

#include "../udp/udp_compat.h"
#include "../inet6_compat.h"

#include <netinet/icmp6.h>

static int udp6_socket(void) { return (int)MUST(socket(AF_INET6, SOCK_DGRAM, 0)); }

static int udp6_bound(const char *ip, int port) {
  int s = udp6_socket();
  struct sockaddr_in6 a = sin6_of(ip, port);
  MUST(bind(s, SA(a), sizeof a));
  return s;
}

static ssize_t send6_str(int fd, const char *data, const char *ip, int port) {
  struct sockaddr_in6 a = sin6_of(ip, port);
  return sendto(fd, data, strlen(data), 0, SA(a), sizeof a);
}
#define SENDTO6(fd, data, ip, port) \
  CKL("sendto(" #fd ", \"" data "\", [" #ip "]:" #port ")", send6_str(fd, data, ip, port))

/* recvfrom into a 2048-byte buffer with flags; prints data and source. */
static ssize_t show_recvfrom6(const char *label, int fd, int flags) {
  static char buf[2048];
  struct sockaddr_storage from;
  memset(&from, 0x55, sizeof from);
  socklen_t fl = sizeof(struct sockaddr_in6);
  ssize_t n = recvfrom(fd, buf, sizeof buf, flags, SA(from), &fl);
  if (n < 0) say("recvfrom(%s) = -1 %s", label, errname(errno));
  else say("recvfrom(%s) = %zd %s from %s", label, n, data_str(buf, n), fl ? in6_str(&from, fl) : "(none)");
  return n;
}

/* Everything that arrives until nothing more comes for 500 ms, then the
 * error that ends it (as drain in udp_compat.h). */
static void drain6(const char *label, int fd) {
  for (int k = 0; k < 100; k++) {
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    while (poll(&p, 1, 500) < 0 && errno == EINTR) {}
    if (show_recvfrom6(label, fd, MSG_DONTWAIT) < 0) return;
  }
}

/* What the peer's discard port saw last (IPv4 or IPv6 sender), the source
 * port shown as <eph> when ephemeral. */
static void show_peer_last6(const char *label) {
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

/* The peer sends text from [PEER6]:sport (or 198.18.0.1 for an IPv4 dst)
 * to dst:dport with hop limit hops and traffic class tclass. */
static void peer_send6(const char *dst, int dport, int sport, int hops, int tclass, const char *text) {
  const char *r = peer_cmd("send %s %d %d %d %d 1 0 %s", dst, dport, sport, hops, tclass, text);
  if (strcmp(r, "done") != 0) say("peer send: %s", r[0] ? r : "(no answer)");
}

static const char *ifindex_str(unsigned i) { return i == 1 ? "1 (lo)" : i > 1 ? "link (not lo)" : "0"; }

static void show_cmsgs6(const char *label, struct msghdr *mh) {
  int n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    n++;
    size_t dlen = c->cmsg_len - CMSG_LEN(0);
    const unsigned char *d = CMSG_DATA(c);
    if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_PKTINFO && dlen == sizeof(struct in6_pktinfo)) {
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
    } else if ((c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR) ||
               (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR)) {
      struct sock_extended_err ee;
      if (dlen < sizeof ee) {
        say("%s: cmsg level %d type %d short (len %zu)", label, c->cmsg_level, c->cmsg_type, dlen);
        continue;
      }
      memcpy(&ee, d, sizeof ee);
      say("%s: cmsg %s len %zu errno %s origin %s type %u code %u pad %u info %u data %u", label,
          c->cmsg_level == SOL_IPV6 ? "SOL_IPV6 IPV6_RECVERR" : "SOL_IP IP_RECVERR", dlen,
          errname((int)ee.ee_errno), origin_str(ee.ee_origin), ee.ee_type, ee.ee_code, ee.ee_pad, ee.ee_info,
          ee.ee_data);
      struct sockaddr_storage off;
      size_t ol = dlen - sizeof ee;
      if (ol > sizeof off) ol = sizeof off;
      memset(&off, 0, sizeof off);
      memcpy(&off, d + sizeof ee, ol);
      if (ol < sizeof(sa_family_t) || off.ss_family == AF_UNSPEC) say("%s:   offender (none)", label);
      else say("%s:   offender %s", label, in6_str(&off, (socklen_t)ol));
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
    } else {
      say("%s: cmsg level %d type %d len %zu", label, c->cmsg_level, c->cmsg_type, dlen);
    }
  }
  if (!n) say("%s: no cmsg", label);
}

/* recvmsg with a 2048-byte buffer, control space csize; prints everything. */
static ssize_t show_recvmsg6(const char *label, int fd, int flags, size_t csize) {
  static char buf[2048];
  static char cbuf[1024] __attribute__((aligned(8)));
  struct sockaddr_storage from;
  memset(&from, 0, sizeof from);
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof(struct sockaddr_in6), .msg_iov = &iov,
                      .msg_iovlen = 1, .msg_control = csize ? cbuf : NULL, .msg_controllen = csize};
  ssize_t n = recvmsg(fd, &mh, flags);
  if (n < 0) {
    say("recvmsg(%s) = -1 %s", label, errname(errno));
    return n;
  }
  say("recvmsg(%s) = %zd %s from %s flags %s controllen %zu", label, n, data_str(buf, n),
      mh.msg_namelen ? in6_str(&from, mh.msg_namelen) : "(none)", msgflags_str(mh.msg_flags),
      (size_t)mh.msg_controllen);
  show_cmsgs6(label, &mh);
  return n;
}

#endif
