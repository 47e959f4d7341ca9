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


static int udp_socket(void) { return (int)MUST(socket(AF_INET, SOCK_DGRAM, 0)); }

static int udp_bound(const char *ip, int port) {
  int s = udp_socket();
  struct sockaddr_in a = sin_of(ip, port);
  MUST(bind(s, SA(a), sizeof a));
  return s;
}

static ssize_t send_str(int fd, const char *data, const char *ip, int port) {
  struct sockaddr_in a = sin_of(ip, port);
  return sendto(fd, data, strlen(data), 0, SA(a), sizeof a);
}
#define SENDTO(fd, data, ip, port) CKL("sendto(" #fd ", \"" data "\", " #ip ":" #port ")", send_str(fd, data, ip, port))

/* recvfrom into a 2048-byte buffer with flags; prints data and source. */
static ssize_t show_recvfrom(const char *label, int fd, int flags) {
  static char buf[2048];
  struct sockaddr_in from;
  memset(&from, 0, sizeof from);
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(fd, buf, sizeof buf, flags, SA(from), &fl);
  if (n < 0) say("recvfrom(%s) = -1 %s", label, errname(errno));
  else say("recvfrom(%s) = %zd %s from %s", label, n, data_str(buf, n), in_str(&from, fl));
  return n;
}

/* Everything that arrives on fd until nothing more comes for 500 ms, then
 * the EAGAIN (or other error) that ends it: a stack that delivers a little
 * later than the kernel is still compared on what arrives. */
static void drain(const char *label, int fd) {
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    while (poll(&p, 1, 500) < 0 && errno == EINTR) {}
    if (show_recvfrom(label, fd, MSG_DONTWAIT) < 0) return;
  }
}

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

/* The peer sends COUNT datagrams of text from PEER:sport to dst:dport. */
static void peer_send(const char *dst, int dport, int sport, const char *text) {
  const char *r = peer_cmd("send %s %d %d 64 0 1 0 %s", dst, dport, sport, text);
  if (strcmp(r, "done") != 0) say("peer send: %s", r[0] ? r : "(no answer)");
}

/* What the discard port saw last, with the source port shown as <eph> when
 * ephemeral (or compared with want_port when given). */
static void show_peer_last(const char *label) {
  const char *r = peer_cmd("last");
  char out[512];
  unsigned port;
  const char *colon = strchr(r, ':');
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

static void show_cmsgs(const char *label, struct msghdr *mh) {
  int n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    n++;
    size_t dlen = c->cmsg_len - CMSG_LEN(0);
    const unsigned char *d = CMSG_DATA(c);
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
      say("%s: cmsg SOL_IP IP_PKTINFO ifindex %s spec_dst %s addr %s", label,
          pi.ipi_ifindex == 1 ? "1 (lo)" : pi.ipi_ifindex > 1 ? "link (not lo)" : "0", spec, addr);
    } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL && dlen == sizeof(int)) {
      int v;
      memcpy(&v, d, sizeof v);
      say("%s: cmsg SOL_IP IP_TTL %d", label, v);
    } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TOS && dlen == 1) {
      say("%s: cmsg SOL_IP IP_TOS 0x%02x", label, d[0]);
    } else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR && dlen >= sizeof(struct sock_extended_err)) {
      struct sock_extended_err ee;
      memcpy(&ee, d, sizeof ee);
      say("%s: cmsg SOL_IP IP_RECVERR len %zu errno %s origin %s type %u code %u pad %u info %u data %u", label, dlen,
          errname((int)ee.ee_errno), origin_str(ee.ee_origin), ee.ee_type, ee.ee_code, ee.ee_pad, ee.ee_info,
          ee.ee_data);
      if (dlen >= sizeof ee + sizeof(struct sockaddr_in)) {
        struct sockaddr_in off;
        memcpy(&off, d + sizeof ee, sizeof off);
        if (off.sin_family == AF_UNSPEC) say("%s:   offender (none)", label);
        else say("%s:   offender %s", label, in_str(&off, sizeof off));
      }
    } else {
      say("%s: cmsg level %d type %d len %zu", label, c->cmsg_level, c->cmsg_type, dlen);
    }
  }
  if (!n) say("%s: no cmsg", label);
}

/* recvmsg with a 2048-byte buffer, control space csize; prints everything. */
static ssize_t show_recvmsg(const char *label, int fd, int flags, size_t csize) {
  static char buf[2048];
  static char cbuf[1024] __attribute__((aligned(8)));
  struct sockaddr_in from;
  memset(&from, 0, sizeof from);
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = csize ? cbuf : NULL, .msg_controllen = csize};
  ssize_t n = recvmsg(fd, &mh, flags);
  if (n < 0) {
    say("recvmsg(%s) = -1 %s", label, errname(errno));
    return n;
  }
  say("recvmsg(%s) = %zd %s from %s flags %s controllen %zu", label, n, data_str(buf, n),
      mh.msg_namelen ? in_str(&from, mh.msg_namelen) : "(none)", msgflags_str(mh.msg_flags),
      (size_t)mh.msg_controllen);
  show_cmsgs(label, &mh);
  return n;
}

#endif
