/* The kernel-side peer of the TCP compat cases (tests/compat/tcp): it runs
 * on 198.18.0.1, always on the kernel, identical in both runs of a case
 * (run_tcp_case.sh starts it, never under the shim). One process, one poll
 * loop, every socket nonblocking.
 * Listeners on ADDR:
 *   7   echo: each byte goes back; the peer's FIN is answered by a FIN once
 *       everything is echoed (half-close mirrored)
 *   9   discard: reads and counts; closes after the client's FIN
 *   11  hold: accepts and never reads (until a command says so)
 *   12  reset: accepts and resets at once (SO_LINGER 0 close)
 *   13  greet: sends "hello from peer\n", then FIN; reads and counts
 *   14  bulk: sends 1 MiB of pattern bytes (tcp_compat.h pattern_byte),
 *       then FIN; reads and counts
 *   15  unread: waits until data arrives, then closes without reading it
 *       (the kernel resets the connection)
 *   16  hold, with SO_RCVBUF 2048 on the listener (a small window)
 *   9999 has no listener (refused); run_tcp_case.sh drops SYNs to 9998 with
 *   nftables (silent).
 * Commands: a line "REPLY_FIFO COMMAND ARGS" written to the FIFO CTL; the
 * answer (one line) is written to REPLY_FIFO. KEY is a listener's port (its
 * most recent connection) or "out" (the most recent connection the peer made).
 *   stat KEY                 -> "rx=N eof=0|1 err=ENAME" ("none" if no such)
 *   wait KEY COND [MS]       pump until COND (accepted, eof, err, closed, rx=N)
 *                            or MS (default 5000) passed; then stat, with
 *                            " timeout" appended when it did not happen
 *   rst KEY | shut KEY | close KEY    SO_LINGER 0 close / shutdown(SHUT_WR) / close
 *   send KEY N               queue N pattern bytes (continuing the pattern)
 *   text KEY TEXT            queue TEXT (rest of the line) as is
 *   read KEY                 read what is there now (hold conns), -> "read=N"
 *   connect IP PORT MODE MS  connect (MODE echo|discard|hold|greet), wait up
 *                            to MS for the handshake -> "connected",
 *                            "inprogress" or "error ENAME"
 *   accepts PORT             -> "accepts=N" connections accepted on PORT so far
 *   blackhole KEY            drop every packet of that connection from now
 *                            on, both ways (nftables in the peer's namespace)
 *   reject6 KEY              answer every later IPv6 segment of that
 *                            connection with an ICMPv6 administratively
 *                            prohibited (nftables in the peer's namespace)
 *   reject KEY               the same for a connection of either family
 *                            (IPv4: ICMP 3/13, communication prohibited)
 * With ADDR,ADDR6 (the IPv6 compat cases) every listener exists on both
 * addresses; a port's KEY is its most recent connection on either; connect
 * takes an address of either family.
 * Usage: tcp_peer ADDR[,ADDR6] CTL_FIFO READY_FILE */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { MODE_ECHO, MODE_DISCARD, MODE_HOLD, MODE_RESET, MODE_GREET, MODE_BULK, MODE_UNREAD };
static const struct { int port, mode, rcvbuf; } kServices[] = {
    {7, MODE_ECHO, 0}, {9, MODE_DISCARD, 0}, {11, MODE_HOLD, 0}, {12, MODE_RESET, 0},
    {13, MODE_GREET, 0}, {14, MODE_BULK, 0}, {15, MODE_UNREAD, 0}, {16, MODE_HOLD, 2048},
};
#define NSERV (sizeof kServices / sizeof kServices[0])
#define MAXC 256
#define OUTCAP (2u << 20)

struct conn {
  int fd, mode, key;         /* key: listener port, or 0 for outgoing */
  int connecting, eof, err, closed, wr_shut, fin_after, hupped;
  long long rx;
  unsigned long pat;         /* next pattern index for "send" */
  char *out;
  size_t olen, ooff;
};
static struct conn conns[MAXC];
static int nconns;
#define NADDR 2
static int listeners[NADDR * NSERV]; /* address a, service i at a * NSERV + i */
static int nlisteners;
static int accepts[NSERV];

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

static unsigned char pattern_byte(unsigned long i) { return (unsigned char)((i * 7 + 3) % 251); }

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *ename(int e) {
  switch (e) {
    case 0: return "OK";
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EINPROGRESS: return "EINPROGRESS";
    default: {
      static char b[32];
      snprintf(b, sizeof b, "errno%d", e);
      return b;
    }
  }
}

static void queue(struct conn *c, const void *p, size_t n) {
  if (!c->out) c->out = malloc(OUTCAP);
  if (c->ooff > 0 && c->ooff == c->olen) c->ooff = c->olen = 0;
  if (c->olen + n > OUTCAP) n = OUTCAP - c->olen;
  memcpy(c->out + c->olen, p, n);
  c->olen += n;
}
static void queue_pattern(struct conn *c, size_t n) {
  static unsigned char b[65536];
  while (n > 0) {
    size_t k = n < sizeof b ? n : sizeof b;
    for (size_t i = 0; i < k; i++) b[i] = pattern_byte(c->pat++);
    queue(c, b, k);
    n -= k;
  }
}

static struct conn *add_conn(int fd, int mode, int key) {
  if (nconns >= MAXC) { close(fd); return NULL; }
  struct conn *c = &conns[nconns++];
  memset(c, 0, sizeof *c);
  c->fd = fd; c->mode = mode; c->key = key;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return c;
}

static void do_close(struct conn *c, int rst) {
  if (c->closed) return;
  if (rst) {
    struct linger l = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close(c->fd);
  c->closed = 1;
}

static void on_accept(int li) {
  const int idx = li % (int)NSERV;
  for (int k = 0; k < 64; k++) {
    int fd = accept4(listeners[li], NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    accepts[idx]++;
    struct conn *c = add_conn(fd, kServices[idx].mode, kServices[idx].port);
    if (!c) continue;
    if (c->mode == MODE_RESET) do_close(c, 1);
    else if (c->mode == MODE_GREET) { queue(c, "hello from peer\n", 16); c->fin_after = 1; }
    else if (c->mode == MODE_BULK) { queue_pattern(c, 1u << 20); c->fin_after = 1; }
  }
}

static void service(struct conn *c, short rev) {
  if (c->closed) return;
  if (c->connecting) {
    if (!(rev & (POLLOUT | POLLERR | POLLHUP))) return;
    int e = 0;
    socklen_t l = sizeof e;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
    c->connecting = 0;
    if (e) { c->err = e; do_close(c, 0); return; }
  }
  if (c->mode == MODE_HOLD && (rev & (POLLHUP | POLLERR))) c->hupped = 1;
  int reading = c->mode != MODE_HOLD && !(c->mode == MODE_ECHO && c->olen > c->ooff);
  if (c->mode == MODE_UNREAD && (rev & POLLIN)) { do_close(c, 0); return; }
  if (reading && (rev & (POLLIN | POLLERR | POLLHUP)) && !c->eof) {
    static char buf[65536];
    for (int k = 0; k < 64; k++) {
      ssize_t n = read(c->fd, buf, sizeof buf);
      if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) c->err = errno;
        break;
      }
      if (n == 0) { c->eof = 1; break; }
      c->rx += n;
      if (c->mode == MODE_ECHO) { queue(c, buf, (size_t)n); break; }
    }
  } else if ((rev & POLLERR) && !c->err) {
    int e = 0;
    socklen_t l = sizeof e;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
    if (e) c->err = e;
  }
  if (c->olen > c->ooff && !c->err) {
    ssize_t w = send(c->fd, c->out + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
    if (w > 0) c->ooff += (size_t)w;
    else if (w < 0 && errno != EAGAIN && errno != EINTR) c->err = errno;
  }
  int flushed = c->olen == c->ooff;
  if (flushed && !c->wr_shut && !c->err && (c->fin_after || (c->mode == MODE_ECHO && c->eof))) {
    shutdown(c->fd, SHUT_WR);
    c->wr_shut = 1;
  }
  if (c->err && c->mode != MODE_HOLD) do_close(c, 0);
  else if (c->eof && flushed && (c->mode == MODE_DISCARD || c->mode == MODE_ECHO || c->fin_after)) do_close(c, 0);
}

static int ctl_fd;
static void command(char *line);

/* One poll over everything, up to ms. */
static void pump(int ms) {
  struct pollfd p[NADDR * NSERV + MAXC + 1];
  int map[NADDR * NSERV + MAXC + 1];
  int n = 0;
  for (int i = 0; i < nlisteners; i++) { p[n] = (struct pollfd){listeners[i], POLLIN, 0}; map[n++] = -1 - i; }
  for (int i = 0; i < nconns; i++) {
    struct conn *c = &conns[i];
    if (c->closed || c->hupped) continue;
    short ev = 0;
    if (c->connecting) ev = POLLOUT;
    else {
      if (c->mode != MODE_HOLD && !c->eof) ev |= POLLIN;
      if (c->olen > c->ooff) ev |= POLLOUT;
    }
    p[n] = (struct pollfd){c->fd, ev, 0};
    map[n++] = i;
  }
  if (poll(p, (nfds_t)n, ms) <= 0) return;
  for (int i = 0; i < n; i++) {
    if (!p[i].revents) continue;
    if (map[i] < 0) on_accept(-1 - map[i]);
    else service(&conns[map[i]], p[i].revents);
  }
}

static struct conn *find(const char *key) {
  int k = strcmp(key, "out") == 0 ? 0 : atoi(key);
  for (int i = nconns - 1; i >= 0; i--)
    if (conns[i].key == k) return &conns[i];
  return NULL;
}

static void stat_of(struct conn *c, char *out, size_t n) {
  if (!c) { snprintf(out, n, "none"); return; }
  snprintf(out, n, "rx=%lld eof=%d err=%s", c->rx, c->eof, ename(c->err));
}

static int cond_met(const char *key, const char *cond) {
  struct conn *c = find(key);
  if (strcmp(cond, "accepted") == 0) return c != NULL;
  if (!c) return 0;
  if (strcmp(cond, "eof") == 0) return c->eof;
  if (strcmp(cond, "err") == 0) return c->err != 0;
  if (strcmp(cond, "closed") == 0) return c->eof || c->err;
  if (strncmp(cond, "rx=", 3) == 0) return c->rx >= atoll(cond + 3);
  return 0;
}

static void reply_to(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;
  char line[600];
  int n = snprintf(line, sizeof line, "%s\n", text);
  if (write(fd, line, (size_t)n) != n) {}
  close(fd);
}

static void command(char *line) {
  char path[300], cmd[32], key[32] = "", arg[400] = "", arg2[64] = "";
  char out[500] = "bad command";
  int nf = sscanf(line, "%299s %31s %31s %399s %63s", path, cmd, key, arg, arg2);
  if (nf < 2) return;
  struct conn *c = nf >= 3 ? find(key) : NULL;
  if (strcmp(cmd, "stat") == 0) stat_of(c, out, sizeof out);
  else if (strcmp(cmd, "wait") == 0) {
    long ms = nf >= 5 ? atol(arg2) : 5000, end = now_ms() + ms;
    int ok;
    while (!(ok = cond_met(key, arg)) && now_ms() < end) pump(10);
    stat_of(find(key), out, sizeof out);
    if (!ok) strcat(out, " timeout");
  } else if (c && strcmp(cmd, "rst") == 0) { do_close(c, 1); strcpy(out, "ok"); }
  else if (c && strcmp(cmd, "close") == 0) { do_close(c, 0); strcpy(out, "ok"); }
  else if (c && strcmp(cmd, "shut") == 0) { shutdown(c->fd, SHUT_WR); c->wr_shut = 1; strcpy(out, "ok"); }
  else if (c && strcmp(cmd, "send") == 0) { queue_pattern(c, (size_t)atol(arg)); service(c, 0); strcpy(out, "ok"); }
  else if (c && strcmp(cmd, "text") == 0) {
    const char *t = strstr(line, " text ");
    t = t ? strchr(t + 6, ' ') : NULL;
    if (t) { queue(c, t + 1, strlen(t + 1)); service(c, 0); }
    strcpy(out, "ok");
  } else if (c && strcmp(cmd, "urg") == 0) {  /* urg KEY TEXT: send(MSG_OOB), its last byte urgent */
    ssize_t r = send(c->fd, arg, strlen(arg), MSG_OOB);
    snprintf(out, sizeof out, "%s", r < 0 ? ename(errno) : "ok");
  } else if (c && strcmp(cmd, "read") == 0) {
    static char buf[65536];
    long long got = 0;
    for (int k = 0; k < 1024; k++) {
      ssize_t r = read(c->fd, buf, sizeof buf);
      if (r <= 0) {
        if (r == 0) c->eof = 1;
        else if (errno != EAGAIN) c->err = errno;
        break;
      }
      got += r;
    }
    c->rx += got;
    snprintf(out, sizeof out, "read=%lld", got);
  } else if (strcmp(cmd, "connect") == 0) {
    /* key = IP, arg = PORT, arg2 = "MODE,MS" or MODE then MS in the rest */
    char mode[16] = "echo";
    long ms = 3000;
    sscanf(line, "%*s %*s %*s %*s %15s %ld", mode, &ms);
    int m = strcmp(mode, "discard") == 0 ? MODE_DISCARD : strcmp(mode, "hold") == 0 ? MODE_HOLD
          : strcmp(mode, "greet") == 0 ? MODE_GREET : MODE_ECHO;
    struct sockaddr_storage a;
    socklen_t al = mkaddr(key, atoi(arg), &a);
    int fd = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int r = connect(fd, (struct sockaddr *)&a, al);
    struct conn *o = add_conn(fd, m, 0);
    if (!o) { strcpy(out, "error too many"); }
    else if (r < 0 && errno != EINPROGRESS) { o->err = errno; do_close(o, 0); snprintf(out, sizeof out, "error %s", ename(o->err)); }
    else {
      o->connecting = 1;
      if (m == MODE_GREET) { queue(o, "hello from peer\n", 16); o->fin_after = 1; }
      long end = now_ms() + ms;
      while (o->connecting && now_ms() < end) pump(10);
      if (o->connecting) strcpy(out, "inprogress");
      else if (o->err) snprintf(out, sizeof out, "error %s", ename(o->err));
      else strcpy(out, "connected");
    }
  } else if (c && strcmp(cmd, "blackhole") == 0) {
    struct sockaddr_storage a;
    socklen_t l = sizeof a;
    char sh[300];
    if (getpeername(c->fd, (struct sockaddr *)&a, &l) == 0) {
      int port = ntohs(((struct sockaddr_in *)&a)->sin_port); /* sin6_port is at the same place */
      snprintf(sh, sizeof sh, "nft add rule inet tskpeer in tcp sport %d drop && "
               "nft add chain inet tskpeer out '{ type filter hook output priority 0; }' && "
               "nft add rule inet tskpeer out tcp dport %d drop", port, port);
      snprintf(out, sizeof out, "%s", system(sh) == 0 ? "ok" : "nft failed");
    } else snprintf(out, sizeof out, "error %s", ename(errno));
  } else if (c && (strcmp(cmd, "reject6") == 0 || strcmp(cmd, "reject") == 0)) {
    struct sockaddr_storage a;
    socklen_t l = sizeof a;
    char sh[300];
    if (getpeername(c->fd, (struct sockaddr *)&a, &l) == 0) {
      int port = ntohs(((struct sockaddr_in *)&a)->sin_port);
      const int v6 = a.ss_family == AF_INET6;
      snprintf(sh, sizeof sh, "nft add rule inet tskpeer in meta nfproto %s tcp sport %d "
               "reject with %s type admin-prohibited", v6 ? "ipv6" : "ipv4", port, v6 ? "icmpv6" : "icmp");
      snprintf(out, sizeof out, "%s", system(sh) == 0 ? "ok" : "nft failed");
    } else snprintf(out, sizeof out, "error %s", ename(errno));
  } else if (strcmp(cmd, "accepts") == 0) {
    int port = atoi(key), n = -1;
    for (size_t i = 0; i < NSERV; i++) if (kServices[i].port == port) n = accepts[i];
    snprintf(out, sizeof out, "accepts=%d", n);
  } else if (!c && nf >= 3) strcpy(out, "none");
  reply_to(path, out);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: tcp_peer ADDR[,ADDR6] CTL_FIFO READY_FILE\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  static char addrs[128];
  snprintf(addrs, sizeof addrs, "%s", argv[1]);
  for (char *addr = strtok(addrs, ","); addr && nlisteners < NADDR * (int)NSERV; addr = strtok(NULL, ",")) {
    for (size_t i = 0; i < NSERV; i++) {
      struct sockaddr_storage a;
      socklen_t al = mkaddr(addr, kServices[i].port, &a);
      int s = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      if (kServices[i].rcvbuf)
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &kServices[i].rcvbuf, sizeof kServices[i].rcvbuf);
      if (!al || bind(s, (struct sockaddr *)&a, al) < 0 || listen(s, 64) < 0) {
        fprintf(stderr, "tcp_peer: bind/listen %s:%d: %s\n", addr, kServices[i].port, strerror(errno));
        return 1;
      }
      listeners[nlisteners++] = s;
    }
  }
  unlink(argv[2]);
  if (mkfifo(argv[2], 0600) < 0) { perror("mkfifo"); return 1; }
  ctl_fd = open(argv[2], O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (ctl_fd < 0) { perror(argv[2]); return 1; }
  FILE *f = fopen(argv[3], "w");
  if (!f) { perror(argv[3]); return 1; }
  fclose(f);
  static char acc[8192];
  size_t alen = 0;
  for (;;) {
    struct pollfd p = {ctl_fd, POLLIN, 0};
    if (poll(&p, 1, 0) > 0) {
      ssize_t n = read(ctl_fd, acc + alen, sizeof acc - 1 - alen);
      if (n > 0) alen += (size_t)n;
      char *nl;
      while ((nl = memchr(acc, '\n', alen)) != NULL) {
        *nl = '\0';
        command(acc);
        size_t used = (size_t)(nl - acc) + 1;
        memmove(acc, nl + 1, alen - used);
        alen -= used;
      }
      if (alen == sizeof acc - 1) alen = 0;
    }
    pump(10);
  }
}
