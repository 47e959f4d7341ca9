/* Shared helpers for the differential compatibility cases (tests/compat).
 * Each case is a small C program that prints a deterministic transcript of one
 * AF_UNIX behaviour; run_case.sh runs it on the kernel and under the shim and
 * diffs the two. Transcripts name errnos, signals and poll bits, and print
 * placeholders instead of pids, paths and fd numbers.
 * Every line goes out in one write(2), so lines from several processes never
 * interleave within a line; a case that prints from a child orders the
 * processes itself (the parent waits). */
#ifndef TUNSOCK_COMPAT_H
#define TUNSOCK_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* Not every case uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COMPAT_WATCHDOG_SECONDS 20

/* ---- output ---------------------------------------------------------- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char line[2048];
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  const char *p = line;
  while (n > 0) {
    ssize_t w = write(1, p, (size_t)n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    p += w;
    n -= (int)w;
  }
  errno = saved;
}

static const char *errname(int e) {
  switch (e) {
#define E_(x) case x: return #x;
    E_(EPERM) E_(ENOENT) E_(ESRCH) E_(EINTR) E_(EIO) E_(ENXIO) E_(E2BIG)
    E_(ENOEXEC) E_(EBADF) E_(ECHILD) E_(EAGAIN) E_(ENOMEM) E_(EACCES)
    E_(EFAULT) E_(EBUSY) E_(EEXIST) E_(EXDEV) E_(ENODEV) E_(ENOTDIR)
    E_(EISDIR) E_(EINVAL) E_(ENFILE) E_(EMFILE) E_(ENOTTY) E_(EFBIG)
    E_(ENOSPC) E_(ESPIPE) E_(EROFS) E_(EMLINK) E_(EPIPE) E_(EDOM) E_(ERANGE)
    E_(ENAMETOOLONG) E_(ENOSYS) E_(ENOTEMPTY) E_(ELOOP) E_(ENOPROTOOPT)
    E_(EOVERFLOW) E_(ENOTSOCK) E_(EDESTADDRREQ) E_(EMSGSIZE) E_(EPROTOTYPE)
    E_(EPROTONOSUPPORT) E_(ESOCKTNOSUPPORT) E_(EOPNOTSUPP) E_(EPFNOSUPPORT)
    E_(EAFNOSUPPORT) E_(EADDRINUSE) E_(EADDRNOTAVAIL) E_(ENETDOWN)
    E_(ENETUNREACH) E_(ECONNABORTED) E_(ECONNRESET) E_(ENOBUFS) E_(EISCONN)
    E_(ENOTCONN) E_(ESHUTDOWN) E_(ETIMEDOUT) E_(ECONNREFUSED) E_(EHOSTUNREACH)
    E_(EALREADY) E_(EINPROGRESS) E_(ENOTRECOVERABLE)
#undef E_
    case 0: return "OK";
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "errno%d", e);
      return buf;
    }
  }
}

static const char *signame(int s) {
  switch (s) {
#define S_(x) case x: return #x;
    S_(SIGHUP) S_(SIGINT) S_(SIGQUIT) S_(SIGILL) S_(SIGABRT) S_(SIGBUS)
    S_(SIGFPE) S_(SIGKILL) S_(SIGUSR1) S_(SIGSEGV) S_(SIGUSR2) S_(SIGPIPE)
    S_(SIGALRM) S_(SIGTERM) S_(SIGCHLD) S_(SIGCONT) S_(SIGSTOP) S_(SIGURG)
#undef S_
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "signal%d", s);
      return buf;
    }
  }
}

/* Bits to names, "A|B|C", "0" for none, leftovers in hex. */
struct bitname { unsigned bit; const char *name; };

static const char *bits_str(unsigned v, const struct bitname *t, size_t n) {
  static char bufs[4][256];
  static int turn;
  char *b = bufs[turn++ & 3];
  b[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if ((v & t[i].bit) != t[i].bit) continue;
    if (b[0]) strcat(b, "|");
    strcat(b, t[i].name);
    v &= ~t[i].bit;
  }
  if (v) {
    char x[24];
    snprintf(x, sizeof x, "%s0x%x", b[0] ? "|" : "", v);
    strcat(b, x);
  }
  if (!b[0]) strcpy(b, "0");
  return b;
}

static const char *revents_str(short r) {
  static const struct bitname t[] = {
      {POLLIN, "POLLIN"},     {POLLPRI, "POLLPRI"},       {POLLOUT, "POLLOUT"},
      {POLLERR, "POLLERR"},   {POLLHUP, "POLLHUP"},       {POLLNVAL, "POLLNVAL"},
      {POLLRDNORM, "RDNORM"}, {POLLRDBAND, "RDBAND"},     {POLLWRNORM, "WRNORM"},
      {POLLWRBAND, "WRBAND"}, {POLLRDHUP, "POLLRDHUP"},
  };
  return bits_str((unsigned short)r, t, sizeof t / sizeof t[0]);
}

static const char *epoll_str(uint32_t e) {
  static const struct bitname t[] = {
      {EPOLLIN, "EPOLLIN"},   {EPOLLPRI, "EPOLLPRI"},   {EPOLLOUT, "EPOLLOUT"},
      {EPOLLERR, "EPOLLERR"}, {EPOLLHUP, "EPOLLHUP"},   {EPOLLRDNORM, "RDNORM"},
      {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"}, {EPOLLWRBAND, "WRBAND"},
      {EPOLLRDHUP, "EPOLLRDHUP"},
  };
  return bits_str(e, t, sizeof t / sizeof t[0]);
}

static const char *msgflags_str(int f) {
  static const struct bitname t[] = {
      {MSG_TRUNC, "MSG_TRUNC"}, {MSG_CTRUNC, "MSG_CTRUNC"}, {MSG_EOR, "MSG_EOR"},
      {MSG_OOB, "MSG_OOB"},     {MSG_ERRQUEUE, "MSG_ERRQUEUE"},
      {MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"},
  };
  return bits_str((unsigned)f, t, sizeof t / sizeof t[0]);
}

/* Printable, quoted, escaped data; long data shortened with its length. */
static const char *data_str(const void *p, ssize_t n) {
  static char bufs[2][300];
  static int turn;
  char *b = bufs[turn++ & 1];
  const unsigned char *s = p;
  size_t o = 0;
  if (n < 0) return "(none)";
  b[o++] = '"';
  for (ssize_t i = 0; i < n && o < 240; i++) {
    if (s[i] >= 32 && s[i] < 127 && s[i] != '"' && s[i] != '\\') b[o++] = (char)s[i];
    else o += (size_t)snprintf(b + o, 8, "\\x%02x", s[i]);
  }
  b[o++] = '"';
  b[o] = '\0';
  if (n > 60) snprintf(b + o, sizeof bufs[0] - o, "(%zd bytes)", n);
  return b;
}

/* ---- checks ---------------------------------------------------------- */

/* CK(expr): print "expr = value" or "expr = -1 ENAME"; yields the value with
 * errno kept. CKL("label", expr) prints the label instead of the source. */
static long ck_(const char *what, long r) {
  int e = errno;
  if (r < 0) say("%s = %ld %s", what, r, errname(e));
  else say("%s = %ld", what, r);
  errno = e;
  return r;
}
#define CK(expr) (errno = 0, ck_(#expr, (long)(expr)))
#define CKL(label, expr) (errno = 0, ck_((label), (long)(expr)))
/* CKOK(expr): "expr = ok" for any r >= 0 (fd numbers are run-specific). */
static long ckok_(const char *what, long r) {
  int e = errno;
  if (r < 0) say("%s = -1 %s", what, errname(e));
  else say("%s = ok", what);
  errno = e;
  return r;
}
#define CKOK(expr) (errno = 0, ckok_(#expr, (long)(expr)))
#define CKOKL(label, expr) (errno = 0, ckok_((label), (long)(expr)))

/* MUST(expr): setup that has to succeed; on failure print and exit 2. */
static long must_(const char *what, long r, int line) {
  if (r < 0) {
    say("FATAL line %d: %s: %s", line, what, errname(errno));
    exit(2);
  }
  return r;
}
#define MUST(expr) must_(#expr, (long)(expr), __LINE__)

/* ---- run context: directory, tag, watchdog --------------------------- */

static char compat_dir_[200];
static char compat_tag_[64];
static pid_t compat_main_pid_;
static const char *compat_self_;

static void compat_watchdog_fire_(int sig) {
  (void)sig;
  static const char m[] = "WATCHDOG: timed out\n";
  ssize_t w = write(1, m, sizeof m - 1);
  (void)w;
  _exit(99);
}

/* Arm (or re-arm) the SIGALRM watchdog; every process calls this. */
static void compat_watchdog(unsigned seconds) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = compat_watchdog_fire_;
  /* SA_RESTART: the watchdog must not change how other signals interrupt
   * calls (a shim may look at every handler to decide about restarts). */
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  alarm(seconds);
}

static void compat_cleanup_(void) {
  if (getpid() != compat_main_pid_ || !compat_dir_[0]) return;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", compat_dir_);
  /* The dir is ours (mkdtemp); a failure only leaves litter behind. */
  if (system(cmd) != 0) {}
}

/* Runs before main() (a constructor), so every case has it. Makes a private directory for pathnames under
 * $COMPAT_DIR (or $TMPDIR, or /tmp), sets the tag used in abstract names (kept
 * across exec through $COMPAT_TAG), makes stdout unbuffered, arms the watchdog. */
__attribute__((constructor)) static void compat_init(void) {
  compat_self_ = "compat";
  setvbuf(stdout, NULL, _IONBF, 0);
  compat_main_pid_ = getpid();
  const char *tag = getenv("COMPAT_TAG");
  if (tag && *tag) {
    snprintf(compat_tag_, sizeof compat_tag_, "%s", tag);
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(compat_tag_, sizeof compat_tag_, "compat.%ld.%ld", (long)getpid(), (long)ts.tv_nsec);
    setenv("COMPAT_TAG", compat_tag_, 1);
  }
  const char *inherited = getenv("COMPAT_RUNDIR");
  if (inherited && *inherited) {  /* exec'd by a case: same directory, its owner cleans up */
    snprintf(compat_dir_, sizeof compat_dir_, "%s", inherited);
    compat_watchdog(COMPAT_WATCHDOG_SECONDS);
    return;
  }
  const char *base = getenv("COMPAT_DIR");
  if (!base || !*base) base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  snprintf(compat_dir_, sizeof compat_dir_, "%s/c.XXXXXX", base);
  if (!mkdtemp(compat_dir_)) {
    say("FATAL: mkdtemp under %s: %s", base, errname(errno));
    exit(2);
  }
  if (strlen(compat_dir_) > 60) {
    say("FATAL: run directory %s is too long for sun_path", compat_dir_);
    exit(2);
  }
  setenv("COMPAT_RUNDIR", compat_dir_, 1);
  atexit(compat_cleanup_);
  compat_watchdog(COMPAT_WATCHDOG_SECONDS);
}

/* ---- addresses ------------------------------------------------------- */

/* A pathname in the run's directory. */
static socklen_t mk_path(struct sockaddr_un *a, const char *name) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  char t[512];
  snprintf(t, sizeof t, "%s/%s", compat_dir_, name);
  snprintf(a->sun_path, sizeof a->sun_path, "%.*s", (int)sizeof a->sun_path - 1, t);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

/* A pathname as given (outside the run's directory, e.g. "/nonexistent/x"). */
static socklen_t mk_rawpath(struct sockaddr_un *a, const char *path) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  snprintf(a->sun_path, sizeof a->sun_path, "%.*s", (int)sizeof a->sun_path - 1, path);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

/* An abstract name unique to this run: "\0<tag>.<name>", no trailing NUL. */
static socklen_t mk_abstract(struct sockaddr_un *a, const char *name) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  char t[512];
  snprintf(t, sizeof t, "%s.%s", compat_tag_, name);
  int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "%.*s", (int)sizeof a->sun_path - 2, t);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static const char *compat_path_of(const char *name) {
  static char p[256];
  snprintf(p, sizeof p, "%s/%s", compat_dir_, name);
  return p;
}

/* Describe an address with placeholders: "unnamed", "<dir>/NAME", "@NAME" for
 * this run's abstract names, "@<autobind>" for a 5-hex-digit autobind name.
 * A length other than the canonical one is shown as "len=canonical+K". */
static const char *addr_str(const void *sa_, socklen_t len) {
  static char bufs[4][300];
  static int turn;
  char *b = bufs[turn++ & 3];
  const struct sockaddr_un *sa = sa_;
  const size_t off = offsetof(struct sockaddr_un, sun_path);
  if (len == 0) return "(len 0)";
  if (len < sizeof(sa_family_t)) { snprintf(b, 300, "(len %u)", (unsigned)len); return b; }
  if (sa->sun_family != AF_UNIX) {
    snprintf(b, 300, "(family %d len %u)", sa->sun_family, (unsigned)len);
    return b;
  }
  if (len == off) return "unnamed";
  size_t plen = len - off;
  if (plen > sizeof sa->sun_path) plen = sizeof sa->sun_path;
  if (sa->sun_path[0] == '\0') {
    const char *nm = sa->sun_path + 1;
    size_t nlen = plen - 1, tl = strlen(compat_tag_);
    if (nlen > tl && memcmp(nm, compat_tag_, tl) == 0 && nm[tl] == '.') {
      snprintf(b, 300, "@%.*s", (int)(nlen - tl - 1), nm + tl + 1);
      return b;
    }
    int hex5 = nlen == 5;
    for (size_t i = 0; hex5 && i < 5; i++)
      hex5 = (nm[i] >= '0' && nm[i] <= '9') || (nm[i] >= 'a' && nm[i] <= 'f');
    if (hex5) return "@<autobind>";
    snprintf(b, 300, "@(other, %zu bytes)", nlen);
    return b;
  }
  size_t sl = strnlen(sa->sun_path, plen);
  size_t dl = strlen(compat_dir_);
  int k = (int)plen - (int)sl - 1;
  char suffix[40] = "";
  if (k != 0) snprintf(suffix, sizeof suffix, " len=path%+d", k);
  if (sl > dl && memcmp(sa->sun_path, compat_dir_, dl) == 0 && sa->sun_path[dl] == '/')
    snprintf(b, 300, "<dir>/%.*s%s", (int)(sl - dl - 1), sa->sun_path + dl + 1, suffix);
  else
    snprintf(b, 300, "%.*s%s", (int)sl, sa->sun_path, suffix);
  return b;
}

static void show_sockname(const char *label, int fd) {
  struct sockaddr_un a;
  memset(&a, 0x55, sizeof a);
  socklen_t l = sizeof a;
  if (getsockname(fd, (struct sockaddr *)&a, &l) < 0) say("getsockname(%s) = -1 %s", label, errname(errno));
  else say("getsockname(%s) = %s", label, addr_str(&a, l));
}

static void show_peername(const char *label, int fd) {
  struct sockaddr_un a;
  memset(&a, 0x55, sizeof a);
  socklen_t l = sizeof a;
  if (getpeername(fd, (struct sockaddr *)&a, &l) < 0) say("getpeername(%s) = -1 %s", label, errname(errno));
  else say("getpeername(%s) = %s", label, addr_str(&a, l));
}

/* ---- socket shorthands ----------------------------------------------- */

static int listener_at(struct sockaddr_un *a, socklen_t *alen, const char *name, int type, int backlog) {
  *alen = mk_path(a, name);
  int s = (int)MUST(socket(AF_UNIX, type, 0));
  MUST(bind(s, (struct sockaddr *)a, *alen));
  MUST(listen(s, backlog));
  return s;
}

/* A connected pair through a pathname listener (not socketpair): c is the
 * client, *srv the accepted end. The listener is closed. */
static int connected_pair(int type, int *srv, const char *name) {
  struct sockaddr_un a;
  socklen_t al;
  int l = listener_at(&a, &al, name, type, 4);
  int c = (int)MUST(socket(AF_UNIX, type, 0));
  MUST(connect(c, (struct sockaddr *)&a, al));
  *srv = (int)MUST(accept(l, NULL, NULL));
  MUST(close(l));
  return c;
}

static void set_nonblock(int fd, int on) {
  int fl = (int)MUST(fcntl(fd, F_GETFL));
  MUST(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK));
}

static void poll_show(const char *label, int fd, short events, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = events, .revents = 0};
  int r = poll(&p, 1, timeout_ms);
  if (r < 0) say("poll(%s) = -1 %s", label, errname(errno));
  else say("poll(%s) = %d %s", label, r, revents_str(p.revents));
}

/* Readable/writable per select(2), with a timeout in ms. */
static void show_select(const char *label, int fd, int timeout_ms) {
  fd_set r, w, x;
  FD_ZERO(&r); FD_ZERO(&w); FD_ZERO(&x);
  FD_SET(fd, &r); FD_SET(fd, &w); FD_SET(fd, &x);
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  int n = select(fd + 1, &r, &w, &x, &tv);
  if (n < 0) say("select(%s) = -1 %s", label, errname(errno));
  else say("select(%s) = %d%s%s%s", label, n, FD_ISSET(fd, &r) ? " read" : "",
           FD_ISSET(fd, &w) ? " write" : "", FD_ISSET(fd, &x) ? " except" : "");
}

/* epoll_wait on ep, printing every event as (tag, events). */
static void show_epoll(const char *label, int ep, int timeout_ms) {
  struct epoll_event ev[8];
  int n = epoll_wait(ep, ev, 8, timeout_ms);
  if (n < 0) { say("epoll_wait(%s) = -1 %s", label, errname(errno)); return; }
  char line[600];
  int o = snprintf(line, sizeof line, "epoll_wait(%s) = %d", label, n);
  for (int i = 0; i < n && o < 500; i++)
    o += snprintf(line + o, sizeof line - (size_t)o, " [%u %s]", ev[i].data.u32, epoll_str(ev[i].events));
  say("%s", line);
}

static void msleep(int ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

/* Write all of buf (blocking socket), returns 0 or -1. */
static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Read until n bytes or EOF; returns the count or -1. */
static ssize_t read_full(int fd, void *buf, size_t n) {
  char *p = buf;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

/* ---- processes ------------------------------------------------------- */

/* A one-way "go" token between processes (a pipe): sync_post / sync_wait.
 * sync_wait is bounded (5 s) and returns 0, or -1 on timeout/EOF. */
struct sync { int r, w; };
static struct sync sync_make(void) {
  int p[2];
  MUST(pipe2(p, O_CLOEXEC));
  return (struct sync){p[0], p[1]};
}
static void sync_post(struct sync s) {
  char c = 'g';
  if (write(s.w, &c, 1) != 1) say("FATAL: sync_post: %s", errname(errno));
}
static int sync_wait(struct sync s) {
  struct pollfd p = {.fd = s.r, .events = POLLIN, .revents = 0};
  for (;;) {
    int n = poll(&p, 1, 5000);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    char c;
    ssize_t r = read(s.r, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    return r == 1 ? 0 : -1;
  }
}

/* fork() with the watchdog re-armed in the child (alarms are not inherited). */
static pid_t compat_fork(void) {
  pid_t p = fork();
  if (p < 0) { say("FATAL: fork: %s", errname(errno)); exit(2); }
  if (p == 0) compat_watchdog(COMPAT_WATCHDOG_SECONDS);
  return p;
}

/* Wait for a child (bounded by the watchdog) and describe how it ended. */
static const char *wait_str(pid_t pid) {
  static char b[64];
  int st;
  pid_t r;
  while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {}
  if (r < 0) snprintf(b, sizeof b, "waitpid -1 %s", errname(errno));
  else if (WIFEXITED(st)) snprintf(b, sizeof b, "exit %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(b, sizeof b, "killed by %s", signame(WTERMSIG(st)));
  else snprintf(b, sizeof b, "status 0x%x", st);
  return b;
}

/* Block until process pid sleeps (state S in /proc), bounded; then a little
 * more, so that a signal sent next finds it inside its blocking call. */
static void wait_until_sleeping(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  for (int i = 0; i < 500; i++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) {
      buf[n] = '\0';
      const char *rp = strrchr(buf, ')');
      if (rp && rp[1] == ' ' && rp[2] == 'S') break;
    }
    msleep(10);
  }
  msleep(100);
}

/* Re-exec this program with extra arguments (for exec cases). */
static void compat_reexec(char *const args[]) {
  char *argv[16];
  int n = 0;
  argv[n++] = (char *)compat_self_;
  for (int i = 0; args[i] && n < 15; i++) argv[n++] = args[i];
  argv[n] = NULL;
  execv("/proc/self/exe", argv);
  say("FATAL: exec: %s", errname(errno));
  _exit(2);
}

/* ---- short names used by the cases ---------------------------------- */

#define SHOW(expr) (errno = 0, ck_(#expr, (long)(expr)))
#define SAY(...) say(__VA_ARGS__)
#define path_name mk_path
#define abstract_name mk_abstract
#define sleep_ms msleep

static void show_data(const char *label, const void *buf, ssize_t n) {
  if (n < 0) say("%s = -1 %s", label, errname(errno));
  else say("%s = %zd %s", label, n, data_str(buf, n));
}

static void show_revents(const char *label, short r) { say("%s: %s", label, revents_str(r)); }

/* Non-blocking poll for everything; prints the revents. */
static void show_poll(const char *label, int fd) {
  poll_show(label, fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0);
}

/* Wait (bounded, 5 s) until fd reports any of events; prints nothing. Used
 * before acting on something another socket did, so that a stack that
 * delivers an event a little later than the kernel does still gets compared
 * on the outcome. Returns the revents, or 0 on timeout. */
static short await(int fd, short events) {
  struct pollfd p = {.fd = fd, .events = events, .revents = 0};
  int n;
  while ((n = poll(&p, 1, 5000)) < 0 && errno == EINTR) {}
  return n > 0 ? p.revents : 0;
}

/* A listener on pathname NAME, a client connected to it, the accepted end. */
static void connected_trio(int type, const char *name, int *l, int *c, int *a) {
  struct sockaddr_un sa;
  socklen_t len;
  *l = listener_at(&sa, &len, name, type, 8);
  *c = (int)MUST(socket(AF_UNIX, type, 0));
  MUST(connect(*c, (struct sockaddr *)&sa, len));
  *a = (int)MUST(accept(*l, NULL, NULL));
}

#endif
