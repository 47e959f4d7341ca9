/* The kernel-side peer of the UDP compat cases (tests/compat/udp): it runs
 * on 198.18.0.1, outside the program under test, identical in the kernel and
 * the shim run (run_udp_case.sh starts it, never under the shim).
 *   ADDR:7     echo: each datagram goes back to its sender, same bytes
 *   0.0.0.0:9  discard (also gets broadcasts); remembers the last datagram
 *   ADDR:5000  commands, one datagram each, answered to the sender:
 *     "send DST DPORT SPORT TTL TOS COUNT SIZE TEXT" -> COUNT datagrams of
 *        TEXT (padded with '.' to SIZE when SIZE > its length) from
 *        ADDR:SPORT (0: any port) to DST:DPORT with that TTL and TOS
 *        (SO_BROADCAST set: DST may be the subnet broadcast); "done"
 *     "last"  -> "len=N from=A:P ttl=T tos=X" of the last discarded datagram
 *                ("none" before any); then forgets it
 *     "lite DST DPORT SPORT FIELD COV CORRUPT TEXT" -> one UDP-Lite datagram
 *        of TEXT from ADDR:SPORT to DST:DPORT, built on a raw socket:
 *        FIELD in its length field, the checksum over its first COV bytes
 *        (0: all; -1: a zero checksum), then the last CORRUPT bytes
 *        flipped; "done"
 *   UDP-Lite (a port space of its own): echo on ADDR:7 (any coverage), and
 *   on ADDR:8 with UDPLITE_RECV_CSCOV 20 (partial coverage below 20 dropped).
 *   Any other port of ADDR has no socket: ICMP port unreachable.
 * With an IPv6 address too (ADDR,ADDR6: the IPv6 compat cases), the same
 * services run on ADDR6 (discard on ADDR6:9, its "last" from=[A]:P with
 * ttl= the hop limit and tos= the traffic class); "send" leaves from the
 * address of DST's family; "lite" is IPv4 only; and
 *     "ptb DST DPORT SPORT MTU" -> an ICMPv6 Packet Too Big (MTU) to DST
 *        quoting a UDP datagram of 1400 bytes from DST:DPORT to
 *        [ADDR6]:SPORT (its IPv6 and UDP headers and 32 bytes); "done"
 *     "echoerr DST TYPE CODE INFO ID SEQ" -> an ICMPv6 error to DST quoting
 *        an echo request from DST to ADDR6 with identifier ID, sequence SEQ
 *        and 16 bytes "echo echo echo !"; "done"
 * Usage: udp_peer ADDR[,ADDR6] READY_FILE (the file appears once all are bound). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ip:port as a sockaddr of ip's family; its length (0: not an address). */
static socklen_t mkaddr(const char *ip, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, ip, &a->sin_addr) == 1) {
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    return sizeof *a;
  }
  if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    return sizeof *a6;
  }
  return 0;
}
static int family_of(const char *ip) {
  struct sockaddr_storage ss;
  return mkaddr(ip, 0, &ss) == sizeof(struct sockaddr_in6) ? AF_INET6 : AF_INET;
}

static int bound(const char *addr, int port) {
  struct sockaddr_storage a;
  socklen_t al = mkaddr(addr, port, &a);
  int s = socket(a.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int on = 1;
  if (s < 0) { perror("socket"); exit(1); }
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(s, (struct sockaddr *)&a, al) < 0) {
    fprintf(stderr, "udp_peer: bind %s:%d: %s\n", addr, port, strerror(errno));
    exit(1);
  }
  return s;
}

static int bound_lite(const char *addr, int port, int min_cov) {
  struct sockaddr_storage a;
  socklen_t al = mkaddr(addr, port, &a);
  int s = socket(a.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDPLITE);
  if (s < 0) return -1;  /* a kernel without UDP-Lite: the UDP cases still run (poll skips -1) */
  if (min_cov) setsockopt(s, IPPROTO_UDPLITE, 11 /* UDPLITE_RECV_CSCOV */, &min_cov, sizeof min_cov);
  if (bind(s, (struct sockaddr *)&a, al) < 0) {
    fprintf(stderr, "udp_peer: bind udplite %s:%d: %s\n", addr, port, strerror(errno));
    exit(1);
  }
  return s;
}

static uint32_t sum16(uint32_t s, const unsigned char *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) s += (uint32_t)p[n - 1] << 8;
  return s;
}

/* The "lite" command: a UDP-Lite datagram made by hand (RFC 3828 §3.1). */
static int send_lite(const char *addr, const char *dst, int dport, int sport, int field, int cov, int corrupt,
                     const char *text) {
  unsigned char d[1100];
  size_t tl = strlen(text), len = 8 + tl;
  if (len > sizeof d) return -1;
  d[0] = (unsigned char)(sport >> 8), d[1] = (unsigned char)sport;
  d[2] = (unsigned char)(dport >> 8), d[3] = (unsigned char)dport;
  d[4] = (unsigned char)(field >> 8), d[5] = (unsigned char)field;
  d[6] = d[7] = 0;
  memcpy(d + 8, text, tl);
  struct in_addr src, to;
  inet_pton(AF_INET, addr, &src);
  inet_pton(AF_INET, dst, &to);
  if (cov >= 0) {
    unsigned char ph[12];
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &to, 4);
    ph[8] = 0, ph[9] = IPPROTO_UDPLITE, ph[10] = (unsigned char)(len >> 8), ph[11] = (unsigned char)len;
    uint32_t s = sum16(sum16(0, ph, sizeof ph), d, cov == 0 || (size_t)cov > len ? len : (size_t)cov);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    uint16_t c = (uint16_t)~s;
    if (c == 0) c = 0xffff;
    d[6] = (unsigned char)(c >> 8), d[7] = (unsigned char)c;
  }
  for (int i = 0; i < corrupt && (size_t)i < tl; i++) d[len - 1 - (size_t)i] ^= 0x20;
  int r = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDPLITE);
  if (r < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = src};
  bind(r, (struct sockaddr *)&a, sizeof a);
  struct sockaddr_in t = {.sin_family = AF_INET, .sin_addr = to};
  ssize_t n = sendto(r, d, len, 0, (struct sockaddr *)&t, sizeof t);
  close(r);
  return n == (ssize_t)len ? 0 : -1;
}

/* An ICMPv6 error (TYPE CODE INFO) to DST, made on a raw ICMPv6 socket (the
 * kernel computes the checksum), quoting a datagram from DST to ADDR6: its
 * IPv6 header (next header NXT, payload length PLEN) and the L4LEN bytes at L4. */
static int send_icmp6_err(const char *addr6, const char *dst, int type, int code, uint32_t info, int nxt,
                          const unsigned char *l4, size_t l4len, int plen) {
  unsigned char m[8 + 40 + 64];
  if (l4len > 64) return -1;
  memset(m, 0, sizeof m);
  m[0] = (unsigned char)type, m[1] = (unsigned char)code;
  m[4] = (unsigned char)(info >> 24), m[5] = (unsigned char)(info >> 16);
  m[6] = (unsigned char)(info >> 8), m[7] = (unsigned char)info;
  unsigned char *ip = m + 8;
  ip[0] = 0x60;
  ip[4] = (unsigned char)(plen >> 8), ip[5] = (unsigned char)plen;
  ip[6] = (unsigned char)nxt;
  ip[7] = 64;
  struct in6_addr src, to;
  if (inet_pton(AF_INET6, dst, &src) != 1 || inet_pton(AF_INET6, addr6, &to) != 1) return -1;
  memcpy(ip + 8, &src, 16);
  memcpy(ip + 24, &to, 16);
  memcpy(m + 48, l4, l4len);
  const size_t len = 48 + l4len;
  int r = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (r < 0) return -1;
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = to};
  bind(r, (struct sockaddr *)&a, sizeof a);
  struct sockaddr_in6 t = {.sin6_family = AF_INET6, .sin6_addr = src};
  ssize_t n = sendto(r, m, len, 0, (struct sockaddr *)&t, sizeof t);
  close(r);
  return n == (ssize_t)len ? 0 : -1;
}

/* The "ptb" command: RFC 4443 §3.2 Packet Too Big quoting a UDP datagram. */
static int send_ptb(const char *addr6, const char *dst, int dport, int sport, int mtu) {
  unsigned char udp[8 + 32];
  const int plen = 1408; /* UDP header + 1400 bytes */
  udp[0] = (unsigned char)(dport >> 8), udp[1] = (unsigned char)dport;
  udp[2] = (unsigned char)(sport >> 8), udp[3] = (unsigned char)sport;
  udp[4] = (unsigned char)(plen >> 8), udp[5] = (unsigned char)plen;
  udp[6] = udp[7] = 0;
  memset(udp + 8, 'p', 32);
  return send_icmp6_err(addr6, dst, 2, 0, (uint32_t)mtu, IPPROTO_UDP, udp, sizeof udp, plen);
}

/* The "echoerr" command: an ICMPv6 error quoting an echo request (identifier
 * ID, sequence SEQ, data "echo echo echo !"), as a router would about a ping. */
static int send_echoerr(const char *addr6, const char *dst, int type, int code, int info, int id, int seq) {
  unsigned char e[8 + 16] = {128, 0, 0, 0, (unsigned char)(id >> 8), (unsigned char)id,
                             (unsigned char)(seq >> 8), (unsigned char)seq};
  memcpy(e + 8, "echo echo echo !", 16);
  return send_icmp6_err(addr6, dst, type, code, (uint32_t)info, IPPROTO_ICMPV6, e, sizeof e, (int)sizeof e);
}

static char last[200] = "none";

/* Returns 0 once the socket has nothing more. */
static int discard_one(int s) {
  char buf[65536], cbuf[256];
  struct sockaddr_storage from;
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(s, &mh, MSG_DONTWAIT);
  if (n < 0) return 0;
  int ttl = -1, tos = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL) memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
    if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TOS) tos = *(unsigned char *)CMSG_DATA(c);
    if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
    if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_TCLASS) memcpy(&tos, CMSG_DATA(c), sizeof tos);
  }
  char a[INET6_ADDRSTRLEN];
  if (from.ss_family == AF_INET6) {
    const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)&from;
    inet_ntop(AF_INET6, &f6->sin6_addr, a, sizeof a);
    snprintf(last, sizeof last, "len=%zd from=[%s]:%u ttl=%d tos=0x%02x", n, a, ntohs(f6->sin6_port), ttl, tos);
  } else {
    const struct sockaddr_in *f = (const struct sockaddr_in *)&from;
    inet_ntop(AF_INET, &f->sin_addr, a, sizeof a);
    snprintf(last, sizeof last, "len=%zd from=%s:%u ttl=%d tos=0x%02x", n, a, ntohs(f->sin_port), ttl, tos);
  }
  return 1;
}

static void command(int s, const char *addr, const char *addr6) {
  char buf[2048];
  struct sockaddr_storage from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(s, buf, sizeof buf - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
  if (n < 0) return;
  buf[n] = '\0';
  char reply[300] = "bad command";
  char dst[64], text[1024] = "";
  int dport, sport, ttl, tos, count, size, field, cov, corrupt, mtu;
  if (sscanf(buf, "lite %63s %d %d %d %d %d %1023[^\n]", dst, &dport, &sport, &field, &cov, &corrupt, text) == 7 &&
      family_of(dst) == AF_INET6) {
    snprintf(reply, sizeof reply, "lite: IPv4 only");
  } else if (sscanf(buf, "lite %63s %d %d %d %d %d %1023[^\n]", dst, &dport, &sport, &field, &cov, &corrupt, text) == 7) {
    snprintf(reply, sizeof reply, "%s",
             send_lite(addr, dst, dport, sport, field, cov, corrupt, text) ? strerror(errno) : "done");
  } else if (sscanf(buf, "ptb %63s %d %d %d", dst, &dport, &sport, &mtu) == 4) {
    snprintf(reply, sizeof reply, "%s",
             !addr6 ? "no IPv6 address" : send_ptb(addr6, dst, dport, sport, mtu) ? strerror(errno) : "done");
  } else if (sscanf(buf, "echoerr %63s %d %d %d %d %d", dst, &field, &cov, &mtu, &dport, &sport) == 6) {
    snprintf(reply, sizeof reply, "%s",
             !addr6 ? "no IPv6 address"
             : send_echoerr(addr6, dst, field, cov, mtu, dport, sport) ? strerror(errno)
                                                                     : "done");
  } else if (strcmp(buf, "last") == 0) {
    snprintf(reply, sizeof reply, "%s", last);
    strcpy(last, "none");
  } else if (sscanf(buf, "send %63s %d %d %d %d %d %d %1023[^\n]", dst, &dport, &sport, &ttl, &tos, &count,
                    &size, text) >= 7) {
    const int v6 = family_of(dst) == AF_INET6;
    if (v6 && !addr6) {
      snprintf(reply, sizeof reply, "no IPv6 address");
      sendto(s, reply, strlen(reply), 0, (struct sockaddr *)&from, fl);
      return;
    }
    int o = bound(v6 ? addr6 : addr, sport), on = 1;
    if (v6) {
      setsockopt(o, SOL_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
      setsockopt(o, SOL_IPV6, IPV6_TCLASS, &tos, sizeof tos);
    } else {
      setsockopt(o, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
      setsockopt(o, SOL_IP, IP_TTL, &ttl, sizeof ttl);
      setsockopt(o, SOL_IP, IP_TOS, &tos, sizeof tos);
    }
    static char data[65536];
    size_t len = strlen(text);
    memcpy(data, text, len);
    if (size > (int)len && size <= (int)sizeof data) {
      memset(data + len, '.', (size_t)size - len);
      len = (size_t)size;
    }
    struct sockaddr_storage to;
    socklen_t tl = mkaddr(dst, dport, &to);
    int ok = 1;
    for (int i = 0; i < count; i++)
      if (sendto(o, data, len, 0, (struct sockaddr *)&to, tl) != (ssize_t)len) ok = 0;
    close(o);
    snprintf(reply, sizeof reply, ok ? "done" : "send failed: %s", strerror(errno));
  }
  sendto(s, reply, strlen(reply), 0, (struct sockaddr *)&from, fl);
}

/* Echo one datagram back to its sender. */
static void echo_one(int s) {
  static char buf[65536];
  struct sockaddr_storage from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(s, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
  if (n >= 0) sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: udp_peer ADDR[,ADDR6] READY_FILE\n");
    return 2;
  }
  static char addrs[128];
  snprintf(addrs, sizeof addrs, "%s", argv[1]);
  const char *addr = addrs, *addr6 = NULL;
  char *comma = strchr(addrs, ',');
  if (comma) {
    *comma = '\0';
    addr6 = comma + 1;
  }
  int on = 1;
  /* p[0..4]: the IPv4 services as before; p[5..9] the same on ADDR6. */
  struct pollfd p[10];
  int np = 5;
  p[0].fd = bound(addr, 7), p[1].fd = bound("0.0.0.0", 9), p[2].fd = bound(addr, 5000);
  p[3].fd = bound_lite(addr, 7, 0), p[4].fd = bound_lite(addr, 8, 20);
  setsockopt(p[1].fd, SOL_IP, IP_RECVTTL, &on, sizeof on);
  setsockopt(p[1].fd, SOL_IP, IP_RECVTOS, &on, sizeof on);
  if (addr6) {
    p[5].fd = bound(addr6, 7), p[6].fd = bound(addr6, 9), p[7].fd = bound(addr6, 5000);
    p[8].fd = bound_lite(addr6, 7, 0), p[9].fd = bound_lite(addr6, 8, 20);
    setsockopt(p[6].fd, SOL_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    setsockopt(p[6].fd, SOL_IPV6, IPV6_RECVTCLASS, &on, sizeof on);
    np = 10;
  }
  FILE *f = fopen(argv[2], "w");
  if (!f) { perror(argv[2]); return 1; }
  fclose(f);
  for (;;) {
    for (int i = 0; i < np; i++) p[i].events = POLLIN, p[i].revents = 0;
    if (poll(p, (nfds_t)np, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (int b = 0; b < np; b += 5) {
      if (p[b].revents & POLLIN) echo_one(p[b].fd);
      for (int i = b + 3; i < b + 5; i++) /* UDP-Lite echo: full coverage back */
        if (p[i].revents & POLLIN) echo_one(p[i].fd);
      /* Everything that reached a discard port before a command is seen by it. */
      if (p[b + 1].revents & POLLIN || p[b + 2].revents & POLLIN)
        for (int d = 1; d < np; d += 5)
          while (discard_one(p[d].fd)) {}
      if (p[b + 2].revents & POLLIN) command(p[b + 2].fd, addr, addr6);
    }
  }
}
