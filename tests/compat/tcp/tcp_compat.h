/* Helpers of the TCP compat cases (tests/compat/tcp), on top of compat.h.
 * run_tcp_case.sh runs each case twice over the same addresses: the program
 * is 198.18.0.2/24 (and 127.0.0.1), the kernel's peer is 198.18.0.1 running
 * tcp_peer (see tcp_peer.c: echo 7, discard 9, hold 11, reset 12, greet 13,
 * bulk 14, unread 15, hold with a 2 KiB receive buffer 16; 9999 refused, 9998 silent) and taking commands through
 * the FIFO named by $TCP_PEER_CTL (peer()).
 * Ports the cases bind themselves are 20000-29999; a port in the ephemeral
 * range 32768-60999 prints as <eph>. Sizes that depend on the stack print as
 * buckets (size_bucket), never exactly. */
#ifndef TUNSOCK_TCP_COMPAT_H
#define TUNSOCK_TCP_COMPAT_H

#include "../inet_compat.h"

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/ip.h>
#include <linux/tcp.h> /* struct tcp_info as the kernel has it (glibc's is older) */

#define US "198.18.0.2"
#define PEER "198.18.0.1"
#define LOOP "127.0.0.1"
enum {
  ECHO_PORT = 7, DISCARD_PORT = 9, HOLD_PORT = 11, RESET_PORT = 12, GREET_PORT = 13,
  BULK_PORT = 14, UNREAD_PORT = 15, HOLD_SMALL_PORT = 16, SILENT_PORT = 9998, CLOSED_PORT = 9999,
};
#define BULK_SIZE (1 << 20)


static int set_int(int fd, int level, int name, int v) { return setsockopt(fd, level, name, &v, sizeof v); }

static int get_int(int fd, int level, int name) {
  int v = -12345;
  socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) < 0) return -1;
  return v;
}

static void show_opt(const char *label, int fd, int level, int name) {
  int v = -12345;
  socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) < 0) say("getsockopt(%s) = -1 %s", label, errname(errno));
  else say("getsockopt(%s) = %d (len %u)", label, v, (unsigned)l);
}
#define SHOW_OPT(fd, level, name) show_opt(#level ", " #name, fd, level, name)

/* SO_ERROR, printed as a name. */
static void show_so_error(const char *label, int fd) {
  int v = -1;
  socklen_t l = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &l) < 0) say("SO_ERROR(%s) = -1 %s", label, errname(errno));
  else say("SO_ERROR(%s) = %s", label, errname(v));
}

/* Sockets, connects and listeners are written once for the family af (the
 * *_af functions); the cases call the IPv4 names here and the IPv6 ones of
 * tcp6_compat.h. */
static int tcp_socket_af(int af) { return (int)MUST(socket(af, SOCK_STREAM, 0)); }
static int tcp_socket(void) { return tcp_socket_af(AF_INET); }

/* A blocking connect that has to succeed. */
static int tcp_connected_af(int af, const char *ip, int port) { return socket_at_af(af, SOCK_STREAM, 1, ip, port); }
static int tcp_connected(const char *ip, int port) { return tcp_connected_af(AF_INET, ip, port); }
static int connect_peer(int port) { return tcp_connected(PEER, port); }

/* A listener on ip:port (SO_REUSEADDR set), backlog given; an IPv6 one
 * with IPV6_V6ONLY set to v6only first (-1 leaves it). */
static int tcp_listener_af(int af, const char *ip, int port, int backlog, int v6only) {
  int s = tcp_socket_af(af);
  MUST(set_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
  if (af == AF_INET6 && v6only >= 0 && set_int(s, SOL_IPV6, IPV6_V6ONLY, v6only) < 0)
    say("tcp6_listener: setsockopt(IPV6_V6ONLY, %d) = -1 %s", v6only, errname(errno));
  struct sockaddr_storage a;
  socklen_t l = sockaddr_af(af, ip, port, &a);
  MUST(bind(s, SA(a), l));
  MUST(listen(s, backlog));
  return s;
}
static int tcp_listener(const char *ip, int port, int backlog) {
  return tcp_listener_af(AF_INET, ip, port, backlog, -1);
}

/* A connected pair over the loopback address loop:port: *srv gets the
 * accepted end. */
static int loop_pair_af(int af, const char *loop, int port, int *srv) {
  int l = tcp_listener_af(af, loop, port, 4, -1);
  int c = tcp_connected_af(af, loop, port);
  *srv = (int)MUST(accept(l, NULL, NULL));
  close(l);
  return c;
}
static int loop_pair(int port, int *srv) { return loop_pair_af(AF_INET, LOOP, port, srv); }

/* Wait (bounded by ms) until fd polls any of events; returns revents. */
static short await_ms(int fd, short events, int ms) {
  struct pollfd p = {.fd = fd, .events = events, .revents = 0};
  int r;
  while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR) {}
  return r > 0 ? p.revents : 0;
}

/* The pattern tcp_peer's bulk and send use: byte i of the stream. */
static unsigned char pattern_byte(unsigned long i) { return (unsigned char)((i * 7 + 3) % 251); }
static int pattern_ok(const unsigned char *b, size_t n, unsigned long from) {
  for (size_t i = 0; i < n; i++)
    if (b[i] != pattern_byte(from + i)) return 0;
  return 1;
}
static void pattern_fill(unsigned char *b, size_t n, unsigned long from) {
  for (size_t i = 0; i < n; i++) b[i] = pattern_byte(from + i);
}

/* Read until EOF/error (bounded by ms overall): total bytes, the pattern
 * checked from *pos; the ending (0 or errno) in *end. */
static long read_to_end(int fd, unsigned long *pos, int *ok, int *end, int ms) {
  static unsigned char buf[65536];
  long total = 0;
  *end = -1;
  for (int k = 0; k < 100000; k++) {
    if (!(await_ms(fd, POLLIN, ms) & (POLLIN | POLLERR | POLLHUP))) { *end = ETIMEDOUT; break; }
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) { *end = errno; break; }
    if (n == 0) { *end = 0; break; }
    if (ok && !pattern_ok(buf, (size_t)n, *pos)) *ok = 0;
    *pos += (unsigned long)n;
    total += n;
  }
  return total;
}

/* read/recv printing result and data. */
static ssize_t show_recv(const char *label, int fd, size_t max, int flags) {
  static char buf[4096];
  if (max > sizeof buf) max = sizeof buf;
  ssize_t n = recv(fd, buf, max, flags);
  if (n < 0) say("recv(%s) = -1 %s", label, errname(errno));
  else say("recv(%s) = %zd %s", label, n, data_str(buf, n));
  return n;
}
/* Wait up to 3 s for something to read, then recv. */
static ssize_t await_recv(const char *label, int fd, size_t max, int flags) {
  await_ms(fd, POLLIN | POLLRDHUP, 3000);
  return show_recv(label, fd, max, flags);
}

/* Receive exactly n bytes (bounded), returning them in a static buffer. */
static ssize_t recv_n(int fd, char *buf, size_t n, int ms) {
  size_t got = 0;
  for (int k = 0; k < 10000 && got < n; k++) {
    if (!(await_ms(fd, POLLIN, ms) & (POLLIN | POLLERR | POLLHUP))) break;
    ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

/* ---- the peer's command FIFO ------------------------------------------ */

/* Send a command to tcp_peer, return its one-line answer ("" on timeout). */
static const char *peer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *peer(const char *fmt, ...) {
  static char reply[512];
  char cmd[900], path[300], line[1300];
  const char *ctl = getenv("TCP_PEER_CTL");
  reply[0] = '\0';
  if (!ctl) { say("FATAL: TCP_PEER_CTL not set"); exit(2); }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  snprintf(path, sizeof path, "%s/reply.%ld", compat_dir_, (long)getpid());
  unlink(path);
  MUST(mkfifo(path, 0600));
  int r = (int)MUST(open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK));
  int w = (int)MUST(open(ctl, O_WRONLY | O_CLOEXEC));
  int n = snprintf(line, sizeof line, "%s %s\n", path, cmd);
  MUST(write(w, line, (size_t)n));
  close(w);
  size_t got = 0;
  for (int k = 0; k < 100 && (got == 0 || reply[got - 1] != '\n'); k++) {
    struct pollfd p = {.fd = r, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 15000) <= 0) break;
    ssize_t m = read(r, reply + got, sizeof reply - 1 - got);
    if (m > 0) got += (size_t)m;
  }
  close(r);
  unlink(path);
  reply[got] = '\0';
  if (got && reply[got - 1] == '\n') reply[got - 1] = '\0';
  return reply;
}
/* Print the peer's answer to a command: "peer: CMD -> ANSWER". */
#define PEER_SHOW(...) say("peer: %s", peer(__VA_ARGS__))

/* ---- readiness ------------------------------------------------------- */

static void show_poll_now(const char *label, int fd) {
  poll_show(label, fd, POLLIN | POLLPRI | POLLOUT | POLLRDHUP, 0);
}
/* Poll until any of want shows (bounded 3 s), then print what is there. */
static void show_poll_when(const char *label, int fd, short want) {
  await_ms(fd, want, 3000);
  show_poll_now(label, fd);
}

/* Sizes as buckets: stacks may differ within 2x; the bucket is log2 rounded
 * to even powers (..., 16K-64K, 64K-256K, ...), printed as its range. */
static const char *size_bucket(long n) {
  static char b[4][48];
  static int turn;
  char *o = b[turn++ & 3];
  if (n <= 0) { snprintf(o, 48, "%ld", n); return o; }
  int k = 0;
  while ((1L << (k + 1)) <= n) k++;
  snprintf(o, 48, "2^%d..2^%d", k, k + 1);
  return o;
}

/* ---- TCP_INFO -------------------------------------------------------- */

static const char *tcp_state_str(int s) {
  static const char *names[] = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                                "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};
  return s >= 0 && s < 12 ? names[s] : "??";
}

static int tcp_info_of(int fd, struct tcp_info *ti) {
  memset(ti, 0, sizeof *ti);
  socklen_t l = sizeof *ti;
  return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &l);
}
static void show_tcp_state(const char *label, int fd) {
  struct tcp_info ti;
  if (tcp_info_of(fd, &ti) < 0) say("TCP_INFO(%s) = -1 %s", label, errname(errno));
  else say("TCP_INFO(%s).state = %s", label, tcp_state_str(ti.tcpi_state));
}

#endif
