// Helpers shared by the entry points (see common.hpp).
#include "common.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace tunsock::shim {
namespace {

std::atomic<int> g_trace_fd{-2};  // -2: not decided yet, -1: off
std::once_flag g_trace_once;
// The trace file as opened: a program that closes descriptors it does not
// know (closefrom after fork: sshd, daemons) may close ours, and reuse the
// number for a file of its own. g_trace_pattern is the path as given ("%p":
// the pid), g_trace_path as opened by g_trace_pid.
char g_trace_pattern[4096];
char g_trace_path[4096];
std::atomic<int> g_trace_pid{0};
bool g_trace_per_process = false;  // the pattern has %p: one file per process, no pid prefix
dev_t g_trace_dev;
ino_t g_trace_ino;

// The pattern with each %p replaced by pid (and %% by %).
void expand_path(int pid) {
  size_t o = 0;
  for (const char* p = g_trace_pattern; *p && o + 12 < sizeof g_trace_path; ++p) {
    if (p[0] == '%' && p[1] == 'p') {
      o += size_t(std::snprintf(g_trace_path + o, sizeof g_trace_path - o, "%d", pid));
      ++p;
    } else if (p[0] == '%' && p[1] == '%') {
      g_trace_path[o++] = '%';
      ++p;
    } else {
      g_trace_path[o++] = *p;
    }
  }
  g_trace_path[o] = '\0';
}

// The trace file at a high number, noted by device and inode; -1 if none.
int trace_open() {
  const int pid = int(::getpid());
  expand_path(pid);
  g_trace_pid = pid;
  int fd = ::open(g_trace_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int hi = real().fcntl(fd, F_DUPFD_CLOEXEC, 900);
  if (hi >= 0) {
    real().close(fd);
    fd = hi;
  }
  struct stat st{};
  if (::fstat(fd, &st) == 0) {
    g_trace_dev = st.st_dev;
    g_trace_ino = st.st_ino;
  }
  return fd;
}

// Is our trace descriptor still ours, and this process's? Reopened by path
// when the program closed it, and in a forked child when each process has
// its own file (%p). Under a seccomp filter fstat may be refused (EACCES):
// then write on.
int trace_fd_checked() {
  int fd = g_trace_fd.load();
  if (fd < 0) return fd;
  if (g_trace_per_process && g_trace_pid.load() != int(::getpid())) {
    const int nfd = trace_open();  // the parent's descriptor stays the parent's file: leave it
    if (g_trace_fd.compare_exchange_strong(fd, nfd)) return nfd;
    if (nfd >= 0) real().close(nfd);
    return g_trace_fd.load();
  }
  struct stat st{};
  if (::fstat(fd, &st) == 0 ? (st.st_dev == g_trace_dev && st.st_ino == g_trace_ino) : errno != EBADF) return fd;
  int nfd = trace_open();
  if (g_trace_fd.compare_exchange_strong(fd, nfd)) return nfd;
  if (nfd >= 0) real().close(nfd);  // another thread reopened it first
  return g_trace_fd.load();
}

// TUNSOCK_LOG names "shim=trace" among its comma-separated items.
bool log_spec_traces_shim(const char* spec) {
  if (!spec) return false;
  const char* p = spec;
  while (*p) {
    const char* e = std::strchr(p, ',');
    const size_t n = e ? size_t(e - p) : std::strlen(p);
    if (n == 10 && !std::strncmp(p, "shim=trace", 10)) return true;
    if (!e) break;
    p = e + 1;
  }
  return false;
}

constexpr uint64_t kSofAcceptConn = 0x0002;  // SOF_ACCEPTCONN in Identify's so_options

// Confirm a descriptor found by its channel name with the daemon.
std::optional<SockInfo> resolve(int fd, SockInfo s) {
  Call c;
  c.q.sock_id = s.id;
  Answer a;
  if (call(ipc::Op::Identify, c, a)) return std::nullopt;  // no daemon: leave it pending
  if (a.r.error || instance() != s.instance) {
    // A channel of another daemon instance, or a socket closed meanwhile.
    fdtable::forget(fd);
    fdtable::set_probed(fd);
    return std::nullopt;
  }
  s.domain = a.r.a;
  s.type = a.r.b;
  s.protocol = a.r.c;
  // Named by getsockname: a listener, or an unconnected stream socket (its
  // kernel socket is bound to the channel name too): the daemon knows.
  s.listening = (uint64_t(a.r.value) >> 32) & kSofAcceptConn;
  s.pending = false;
  fdtable::put(fd, s);
  trace("fd %d: inherited %s socket %llu", fd, s.listening ? "listening" : "stack", (unsigned long long)s.id);
  return s;
}

}  // namespace

std::optional<SockInfo> classify(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  int dom = 0;
  socklen_t len = sizeof dom;
  if (real().getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) != 0 || dom != AF_UNIX) return std::nullopt;
  sockaddr_un sun{};
  SockInfo s;
  s.pending = true;
  len = sizeof sun;
  if (real().getpeername(fd, reinterpret_cast<sockaddr*>(&sun), &len) == 0 &&
      ipc::parse_channel_name(&sun, len, &s.instance, &s.id))
    return s;
  len = sizeof sun;
  if (real().getsockname(fd, reinterpret_cast<sockaddr*>(&sun), &len) == 0 &&
      ipc::parse_channel_name(&sun, len, &s.instance, &s.id)) {
    s.listening = true;
    return s;
  }
  return std::nullopt;
}

void adopt_received(const msghdr* msg) {
  if (!msg || !msg->msg_control || msg->msg_controllen < sizeof(cmsghdr)) return;
  for (cmsghdr* cm = CMSG_FIRSTHDR(const_cast<msghdr*>(msg)); cm; cm = CMSG_NXTHDR(const_cast<msghdr*>(msg), cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      fdtable::forget(fd);  // a new description under a number we may have seen before
      if (auto s = classify(fd)) fdtable::put(fd, *s);
    }
  }
}

std::optional<SockInfo> lookup(int fd) {
  if (auto s = fdtable::get(fd)) {
    if (fdtable::current(fd, *s)) return s->pending ? resolve(fd, *s) : s;
    trace("fd %d: no longer socket %llu (closed behind the shim's back)", fd, (unsigned long long)s->id);
    fdtable::forget(fd);
  } else if (fd < 0 || fdtable::probed(fd)) {
    return std::nullopt;
  }
  auto s = classify(fd);
  if (!s) {
    fdtable::set_probed(fd);
    return std::nullopt;
  }
  return resolve(fd, *s);
}

bool signals_restart() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa;
    if (::sigaction(sig, nullptr, &sa) != 0) continue;
    if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN) continue;
    if (!(sa.sa_flags & SA_RESTART)) return false;
  }
  return true;
}

int wait_ready(int fd, short events, int timeout_ms, bool timed) {
  const int ctl = control_fd();
  if (ctl < 0) return ENETDOWN;
  pollfd p[2] = {{fd, events, 0}, {ctl, POLLIN, 0}};
  const int n = fd >= 0 ? 2 : 1;
  pollfd* first = fd >= 0 ? p : p + 1;
  for (;;) {
    wait_mark();
    int r = ::poll(first, nfds_t(n), timeout_ms);
    if (r < 0 && errno == EINTR) {
      const int restarts = wait_interrupt_restarts();
      if (timed) return EINTR;
      if (restarts == 1 || (restarts < 0 && signals_restart())) continue;
      return EINTR;
    }
    if (r < 0) return errno;
    if (p[1].revents) {  // no request is outstanding: this is the daemon hanging up
      control_lost();
      return ENETDOWN;
    }
    if (r == 0) return ETIMEDOUT;
    return 0;
  }
}

void copy_addr(const void* src, socklen_t srclen, sockaddr* dst, socklen_t* dstlen) {
  if (!dst || !dstlen) return;
  std::memcpy(dst, src, std::min(srclen, *dstlen));
  *dstlen = srclen;
}

bool is_nonblocking(int fd) {
  int fl = real().fcntl(fd, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK);
}

namespace {

const char* domain_list(uint32_t m, char* buf, size_t len) {
  std::snprintf(buf, len, "%s%s%s", (m & ipc::domain_bit(AF_UNIX)) ? " unix" : "",
                (m & ipc::domain_bit(AF_INET)) ? " inet" : "", (m & ipc::domain_bit(AF_INET6)) ? " inet6" : "");
  return buf[0] ? buf + 1 : "none";
}

// Once per set of domains the daemon announced: what goes where, and a
// domain TUNSOCK_DOMAINS names that the daemon does not serve.
void trace_domains(uint32_t served, uint32_t narrow) {
  static std::atomic<uint32_t> said{~0u};
  if (said.exchange(served) == served) return;
  const char* text = "";
  bool unknown = false;
  (void)narrowed_domains(&text, &unknown);
  char a[32], b[32], c[32];
  trace("domains: the daemon serves %s; routed to it: %s%s%s%s", domain_list(served, a, sizeof a),
        domain_list(served & narrow, b, sizeof b), *text ? " (TUNSOCK_DOMAINS=" : "", text, *text ? ")" : "");
  if (const uint32_t missing = narrow & ~served; *text && missing)
    trace("domains: TUNSOCK_DOMAINS names %s, which the daemon does not serve: the kernel's",
          domain_list(missing, c, sizeof c));
  if (unknown) trace("domains: TUNSOCK_DOMAINS=%s names no domain besides unix, inet, inet6: ignored", text);
}

}  // namespace

bool domain_routed(int domain) {
  const uint32_t bit = ipc::domain_bit(domain);
  const uint32_t narrow = narrowed_domains();
  if (!(bit & narrow)) return false;  // another family, or narrowed away: the kernel's, no daemon contact
  uint32_t served = 0;
  // No daemon: the call goes on and fails with ENETDOWN, as every call to a
  // missing daemon does: never a silent bypass to the kernel.
  if (daemon_domains(&served)) return true;
  trace_domains(served, narrow);
  return served & bit;
}

void trace_init() {
  std::call_once(g_trace_once, [] {
    const char* p = std::getenv("TUNSOCK_SHIM_LOG");
    const bool asked = (p && *p) || log_spec_traces_shim(std::getenv("TUNSOCK_LOG"));
    if (!asked) {
      g_trace_fd = -1;
      return;
    }
    // Never the program's own output: "stderr" (once accepted) and an
    // unnamed file mean the per-process default.
    if (!p || !*p || !std::strcmp(p, "stderr") || !std::strcmp(p, "-") || !std::strcmp(p, "2")) {
      const char* tmp = std::getenv("TMPDIR");
      std::snprintf(g_trace_pattern, sizeof g_trace_pattern, "%s/tunsock-shim.%%p.log", tmp && *tmp ? tmp : "/tmp");
    } else {
      std::snprintf(g_trace_pattern, sizeof g_trace_pattern, "%s", p);
    }
    g_trace_per_process = std::strstr(g_trace_pattern, "%p") != nullptr;
    g_trace_fd = trace_open();
  });
}

bool call_log_on() {
  trace_init();
  return g_trace_fd.load() >= 0;
}

void call_log_write(const char* text, size_t len) {
  const int fd = trace_fd_checked();
  if (fd < 0) return;
  char line[1200];
  // One file for several processes: strace -f's "[pid N] " tells them apart.
  const int n = g_trace_per_process ? 0 : std::snprintf(line, sizeof line, "[pid %5d] ", int(::getpid()));
  len = std::min(len, sizeof line - size_t(n) - 1);
  std::memcpy(line + n, text, len);
  len += size_t(n);
  line[len++] = '\n';
  (void)!real().write(fd, line, len);
}

// The shim's own notes between the calls (what it decided and why), marked
// as comments so that the strace-shaped lines stay easy to pick out.
void trace(const char* fmt, ...) {
  if (!call_log_on()) return;
  char line[512] = "# tunsock: ";
  const size_t n = std::strlen(line);
  va_list ap;
  va_start(ap, fmt);
  const int m = std::vsnprintf(line + n, sizeof line - n, fmt, ap);
  va_end(ap);
  call_log_write(line, std::min(sizeof line - 1, n + size_t(std::max(m, 0))));
}

}  // namespace tunsock::shim
