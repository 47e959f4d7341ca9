// Control connections to the daemon (see client.hpp).
#include "client.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <vector>

#include "real.hpp"

namespace tunsock::shim {
namespace {

std::atomic<uint64_t> g_instance{0};
// The daemon's domains from its latest Hello; kDomainsKnown once one came.
constexpr uint32_t kDomainsKnown = 1u << 31;
std::atomic<uint32_t> g_domains{0};
// TUNSOCK_DOMAINS, read at load time (client_init).
constexpr uint32_t kAllDomains = ipc::domain_bit(AF_UNIX) | ipc::domain_bit(AF_INET) | ipc::domain_bit(AF_INET6);
uint32_t g_narrow = kAllDomains;
bool g_narrow_unknown = false;
char g_narrow_text[128];
std::atomic<uint32_t> g_generation{1};  // bumped in a forked child
std::atomic<bool> g_warned{false};
// The daemon's pid from Hello, let to ptrace-attach us (Yama): 0 until then.
std::atomic<int> g_tracer{0};
std::mutex g_mu;
std::set<int>* g_conns;  // every open control descriptor (closed in a forked child)

struct Conn {
  int fd = -1;
  uint32_t gen = 0;
  uint32_t seq = 0;
  bool tracked = true;     // listed in g_conns (not a signal handler's own connection)
  std::vector<char> buf;   // reply buffer, unless ext is given
  char* ext = nullptr;
  size_t ext_len = 0;
  ~Conn() {
    if (fd >= 0 && gen == g_generation.load()) {
      if (tracked) {
        std::lock_guard lk(g_mu);
        if (g_conns) g_conns->erase(fd);
      }
      real().close(fd);
    }
  }
};

// The control path, fixed at load time: connecting allocates nothing (a
// signal handler may be the caller).
char g_path[sizeof(sockaddr_un::sun_path) + 64];

thread_local Conn t_conn;
// > 0 while this thread is inside a call or connecting: a signal handler's
// call then makes a connection of its own.
thread_local int t_depth = 0;

void warn_once(const char* path, int e) {
  if (g_warned.exchange(true)) return;
  char line[512];
  int n = std::snprintf(line, sizeof line,
                        "tunsock: cannot reach tunsockd at %s: %s (start it with: tunsockd --socket %s)\n",
                        path, std::strerror(e), path);
  if (n > 0) (void)!real().write(2, line, size_t(std::min(n, int(sizeof line) - 1)));
}

// A high descriptor number, so that socket() keeps returning what the kernel would.
int move_high(int fd) {
  rlimit rl{};
  int base = 1000;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= 1100)
    base = int(rl.rlim_cur) / 2;
  int hi = real().fcntl(fd, F_DUPFD_CLOEXEC, base);
  if (hi < 0) return fd;
  real().close(fd);
  return hi;
}

int send_request(int fd, const Call& c) {
  iovec iov[3];
  int n = 0;
  iov[n++] = {const_cast<ipc::Request*>(&c.q), sizeof c.q};
  if (c.addrlen) iov[n++] = {const_cast<void*>(c.addr), c.addrlen};
  if (c.paylen) iov[n++] = {const_cast<void*>(c.payload), c.paylen};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * ipc::kMaxFds)];
  msghdr mh{};
  mh.msg_iov = iov;
  mh.msg_iovlen = size_t(n);
  if (c.nfds > 0) {
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * size_t(c.nfds));
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * size_t(c.nfds));
    std::memcpy(CMSG_DATA(cm), c.fds, sizeof(int) * size_t(c.nfds));
  }
  for (;;) {
    ssize_t r = real().sendmsg(fd, &mh, MSG_NOSIGNAL);
    if (r >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

int recv_reply(Conn& cn, const Call& c, Answer& a) {
  if (!cn.ext && cn.buf.size() < sizeof(ipc::Reply) + ipc::kMaxAddr + ipc::kMaxRecord)
    cn.buf.resize(sizeof(ipc::Reply) + ipc::kMaxAddr + ipc::kMaxRecord);
  char* const base = cn.ext ? cn.ext : cn.buf.data();
  const size_t cap = cn.ext ? cn.ext_len : cn.buf.size();
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * ipc::kMaxFds)];
  for (;;) {
    iovec iov{base, cap};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t n = real().recvmsg(cn.fd, &mh, c.cloexec ? MSG_CMSG_CLOEXEC : 0);
    if (n < 0 && errno == EINTR) continue;  // the daemon answers promptly; finish the exchange
    if (n <= 0) return ENETDOWN;
    a.nfds = 0;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
      if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
      size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < k && a.nfds < int(ipc::kMaxFds); ++i)
        std::memcpy(&a.fds[a.nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
    }
    auto p = ipc::parse_reply(base, size_t(n));
    if (!p || p->hdr.seq != c.q.seq) {
      for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
      a.nfds = 0;
      if (!p) return ENETDOWN;
      continue;  // a stale reply (cannot happen with one request in flight)
    }
    a.r = p->hdr;
    a.addrlen = p->hdr.addrlen;
    std::memcpy(&a.addr, p->addr, p->hdr.addrlen);
    a.payload.assign(reinterpret_cast<const char*>(p->payload), p->hdr.payload_len);
    return 0;
  }
}

void drop(Conn& cn) {
  if (cn.fd < 0) return;
  if (cn.tracked) {
    std::lock_guard lk(g_mu);
    if (g_conns) g_conns->erase(cn.fd);
  }
  real().close(cn.fd);
  cn.fd = -1;
}

// The daemon may take a duplicate of a channel end this process holds
// (pidfd_getfd, ptrace attach access) to show a reset as Linux does
// (PROTOCOL.md "Errors on a connection"). Under Yama's ptrace_scope 1 a
// same-uid daemon needs this exception; elsewhere prctl fails (EINVAL) and
// nothing is needed. Only once a connection exists: a program that makes no
// socket call stays untouched. Not inherited across fork: see
// client_after_fork.
void allow_tracer(int daemon_pid) {
  if (daemon_pid <= 0 || g_tracer.exchange(daemon_pid) == daemon_pid) return;
  (void)::prctl(PR_SET_PTRACER, static_cast<unsigned long>(daemon_pid), 0, 0, 0);
}

// The connection alone (no request yet): the kernel fixes the peer
// credentials the daemon checks (SO_PEERCRED) here, at connect time.
int open_control(Conn& cn, bool at_fork) {
  if (!g_path[0]) client_init();  // (a constructor that ran before ours made a socket call)
  const char* path = g_path;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  const size_t plen = std::strlen(path);
  if (plen >= sizeof sun.sun_path) {
    if (!at_fork) warn_once(path, ENAMETOOLONG);
    return ENETDOWN;
  }
  std::memcpy(sun.sun_path, path, plen + 1);
  // In a fork handler: quietly, and without waiting (a full backlog,
  // EAGAIN, leaves the connection to the first call).
  int fd = real().socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | (at_fork ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return errno;
  int r;
  do r = real().connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
  while (r < 0 && errno == EINTR);
  if (r == 0 && at_fork) r = real().fcntl(fd, F_SETFL, 0);
  if (r < 0) {
    int e = errno;
    real().close(fd);
    if (!at_fork) warn_once(path, e);
    return ENETDOWN;
  }
  fd = move_high(fd);
  cn.fd = fd;
  cn.gen = g_generation.load();
  if (cn.tracked) {
    std::lock_guard lk(g_mu);
    if (!g_conns) g_conns = new std::set<int>;
    g_conns->insert(fd);
  }
  return 0;
}

int connect_daemon(Conn& cn) {
  if (int e = open_control(cn, false)) return e;
  const char* path = g_path;
  const int fd = cn.fd;
  Call c;
  c.q = ipc::make_request(ipc::Op::Hello, ++cn.seq, 0);
  Answer a;
  if (send_request(fd, c) || recv_reply(cn, c, a)) {
    drop(cn);
    warn_once(path, ECONNRESET);
    return ENETDOWN;
  }
  g_instance = a.r.sock_id;
  g_domains = (uint32_t(a.r.a) & ~kDomainsKnown) | kDomainsKnown;
  allow_tracer(int(a.r.value));
  return 0;
}

}  // namespace

std::string control_path() {
  if (const char* p = std::getenv("TUNSOCK_SOCKET"); p && *p) return p;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) return std::string(x) + "/tunsockd.sock";
  return "/tmp/tunsockd-" + std::to_string(::getuid()) + ".sock";
}

// "unix,inet": the bits of the words named; a word that is no domain sets
// *unknown (and is otherwise ignored).
uint32_t parse_domains(const char* s, bool* unknown) {
  uint32_t m = 0;
  while (*s) {
    const char* end = std::strchr(s, ',');
    const size_t n = end ? size_t(end - s) : std::strlen(s);
    auto is = [&](const char* w) { return n == std::strlen(w) && std::strncmp(s, w, n) == 0; };
    if (is("unix") || is("local")) m |= ipc::domain_bit(AF_UNIX);
    else if (is("inet")) m |= ipc::domain_bit(AF_INET);
    else if (is("inet6")) m |= ipc::domain_bit(AF_INET6);
    else if (n > 0) *unknown = true;
    if (!end) break;
    s = end + 1;
  }
  return m;
}

void client_init() {
  std::string p = control_path();
  std::snprintf(g_path, sizeof g_path, "%s", p.c_str());
  const char* e = std::getenv("TUNSOCK_DOMAINS");
  std::snprintf(g_narrow_text, sizeof g_narrow_text, "%s", e ? e : "");
  g_narrow_unknown = false;
  g_narrow = (e && *e) ? parse_domains(e, &g_narrow_unknown) : kAllDomains;
}

uint32_t narrowed_domains(const char** text, bool* unknown) {
  if (!g_path[0]) client_init();  // (a constructor that ran before ours made a socket call)
  if (text) *text = g_narrow_text;
  if (unknown) *unknown = g_narrow_unknown;
  return g_narrow;
}

uint64_t instance() { return g_instance.load(); }

namespace {


int exchange(Conn& cn, ipc::Op op, Call& c, Answer& a) {
  const uint64_t sock_id = c.q.sock_id;
  const uint32_t flags = c.q.flags;
  const int64_t value = c.q.value;
  const int32_t qa = c.q.a, qb = c.q.b, qc = c.q.c;
  const uint64_t dev = c.q.vn_dev, ino = c.q.vn_ino;
  const uint32_t fd_hint = c.q.fd_hint;
  c.q = ipc::make_request(op, ++cn.seq, sock_id);
  c.q.fd_hint = fd_hint;
  c.q.flags = flags;
  c.q.value = value;
  c.q.a = qa;
  c.q.b = qb;
  c.q.c = qc;
  c.q.vn_dev = dev;
  c.q.vn_ino = ino;
  c.q.addrlen = c.addrlen;
  c.q.payload_len = uint32_t(c.paylen);
  int e = send_request(cn.fd, c);
  if (e == EBADF || e == ENOTSOCK) {
    // The program closed our descriptor (closefrom after fork, as daemons
    // do; the child of a talking parent connected at once): forget it
    // without closing (the number may be the program's now), connect again.
    if (cn.tracked) {
      std::lock_guard lk(g_mu);
      if (g_conns) g_conns->erase(cn.fd);
    }
    cn.fd = -1;
    if (connect_daemon(cn)) return ENETDOWN;
    e = send_request(cn.fd, c);
  }
  if (e || recv_reply(cn, c, a)) {
    drop(cn);
    return ENETDOWN;
  }
  return 0;
}

}  // namespace

int call(ipc::Op op, Call& c, Answer& a) {
  if (t_depth > 0) {
    // A signal handler's socket call while this thread waits for a reply:
    // the thread's connection is mid-exchange, so use a connection of its own.
    Conn tmp;
    tmp.tracked = false;  // no lock, no allocation: the interrupted code may hold them
    char rbuf[2048];      // enough for every reply but large option values
    tmp.ext = rbuf;
    tmp.ext_len = sizeof rbuf;
    if (connect_daemon(tmp)) return ENETDOWN;
    int e = exchange(tmp, op, c, a);
    drop(tmp);
    return e;
  }
  ++t_depth;  // from here on, a handler's call uses its own connection
  int e = control_fd() < 0 ? ENETDOWN : exchange(t_conn, op, c, a);
  --t_depth;
  return e;
}

int daemon_domains(uint32_t* served) {
  uint32_t d = g_domains.load();
  if (!(d & kDomainsKnown)) {
    if (t_depth > 0) {
      // A signal handler's first socket call while this thread connects:
      // learn them on a connection of its own (as call() does).
      Conn tmp;
      tmp.tracked = false;
      char rbuf[2048];
      tmp.ext = rbuf;
      tmp.ext_len = sizeof rbuf;
      const int e = connect_daemon(tmp);
      drop(tmp);
      if (e) return ENETDOWN;
    } else if (control_fd() < 0) {
      return ENETDOWN;
    }
    d = g_domains.load();
  }
  *served = d & ~kDomainsKnown;
  return 0;
}

int control_fd() {
  Conn& cn = t_conn;
  if (cn.fd >= 0 && cn.gen != g_generation.load()) cn.fd = -1;
  if (cn.fd < 0) {
    ++t_depth;
    int e = connect_daemon(cn);
    --t_depth;
    if (e) {
      errno = ENETDOWN;
      return -1;
    }
  }
  return cn.fd;
}

void control_lost() { drop(t_conn); }

void client_before_fork() { g_mu.lock(); }
void client_after_fork_parent() { g_mu.unlock(); }

void client_after_fork() {
  g_generation.fetch_add(1);
  // The lock was taken in the parent before fork: the child owns this copy.
  const bool parent_talked = g_conns && !g_conns->empty();
  if (g_conns) {
    for (int fd : *g_conns) real().close(fd);
    g_conns->clear();
  }
  g_mu.unlock();
  // The child holds the parent's channels: the daemon may need to reach them.
  if (int t = g_tracer.load(); t > 0) (void)::prctl(PR_SET_PTRACER, static_cast<unsigned long>(t), 0, 0, 0);
  // The child of a process that talks to the daemon connects now, with the
  // parent's credentials (no request: the daemon learns nothing until the
  // first call). A forked server drops privileges or chroots before its
  // first socket call (nginx's workers setuid to nobody, sshd's
  // privilege-separated child chroots to /run/sshd and setuids) and could
  // not reach the control socket (mode 0600, the daemon's uid or root)
  // after that. Quietly: a child that never calls never complains.
  t_conn.fd = -1;
  if (parent_talked) (void)open_control(t_conn, true);
}

}  // namespace tunsock::shim
