// c-ares loaded and driven over the stack's own UDP and TCP (resolve.hpp;
// the lookups on it are resolve_dns.cpp). glibc counterpart:
// resolv/res_send.c (the transport).
//
// Why c-ares in the shim (not in the daemon): the shim already turns
// socket()/connect()/sendmsg()/recvfrom() into stack sockets, so c-ares
// needs nothing but ares_set_socket_functions pointing at those calls; the
// program's own /etc/resolv.conf, /etc/hosts, RES_OPTIONS and LOCALDOMAIN
// (its mount namespace, its environment) are read in its own process, as
// glibc reads them; and the protocol needs no new operation.
// Why explicit socket functions (not c-ares's own socket() through the
// PLT): a query must never reach the host kernel. The callbacks refuse a
// family the daemon does not serve (EAFNOSUPPORT: c-ares moves to the next
// server) instead of letting the shim make a kernel socket for it.
// Why dlopen of libcares.so.2 at the first lookup (not a link-time
// dependency): a program that never resolves a name must not even map it
// (the shim's rule: no difference without socket or resolver calls).
// RTLD_LOCAL keeps its symbols out of the program's scope; no RTLD_DEEPBIND,
// so its malloc is the program's.
#include <ares.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common.hpp"
#include "resolve_ares.hpp"

namespace tunsock::shim::resolve {
namespace {

Ares g_ares;
bool g_ares_ok = false;
std::once_flag g_ares_once;

template <class F>
bool sym(void* h, F& slot, const char* name) {
  slot = reinterpret_cast<F>(::dlsym(h, name));
  return slot != nullptr;
}

void load_ares() {
  void* h = ::dlopen("libcares.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    trace("resolver: cannot load libcares.so.2 (%s): lookups fail (install libc-ares2)", ::dlerror());
    return;
  }
  Ares& a = g_ares;
  bool ok = sym(h, a.library_init, "ares_library_init") && sym(h, a.init, "ares_init") &&
            sym(h, a.destroy, "ares_destroy") && sym(h, a.set_socket_functions, "ares_set_socket_functions") &&
            sym(h, a.getsock, "ares_getsock") && sym(h, a.timeout, "ares_timeout") &&
            sym(h, a.process_fd, "ares_process_fd") && sym(h, a.search, "ares_search") &&
            sym(h, a.query, "ares_query") && sym(h, a.send, "ares_send") &&
            sym(h, a.getaddrinfo, "ares_getaddrinfo") && sym(h, a.freeaddrinfo, "ares_freeaddrinfo") &&
            sym(h, a.gethostbyaddr, "ares_gethostbyaddr") && sym(h, a.parse_a_reply, "ares_parse_a_reply") &&
            sym(h, a.parse_aaaa_reply, "ares_parse_aaaa_reply") && sym(h, a.free_hostent, "ares_free_hostent") &&
            sym(h, a.strerror, "ares_strerror") && sym(h, a.parse_ptr_reply, "ares_parse_ptr_reply") &&
            sym(h, a.init_options, "ares_init_options") && sym(h, a.save_options, "ares_save_options") &&
            sym(h, a.destroy_options, "ares_destroy_options") && sym(h, a.expand_name, "ares_expand_name") &&
            sym(h, a.free_string, "ares_free_string");
  if (!ok || a.library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
    trace("resolver: libcares.so.2 lacks a function the shim needs: lookups fail");
    return;
  }
  trace("resolver: c-ares loaded: lookups go through the stack");
  g_ares_ok = true;
}


// c-ares's sockets: the shim's socket path, and nothing else.
ares_socket_t sock_socket(int family, int type, int protocol, void*) {
  if (!domain_routed(family)) {
    trace("resolver: no %s name server through the stack (the daemon does not serve the family)",
          family == AF_INET6 ? "IPv6" : "IPv4");
    errno = EAFNOSUPPORT;
    return ARES_SOCKET_BAD;
  }
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ARES_SOCKET_BAD;
  if (!fdtable::ours(fd)) {  // the shim handed it to the kernel (a protocol the stack lacks)
    real().close(fd);
    errno = EAFNOSUPPORT;
    return ARES_SOCKET_BAD;
  }
  return fd;
}
int sock_close(ares_socket_t fd, void*) { return ::close(fd); }
int sock_connect(ares_socket_t fd, const sockaddr* sa, ares_socklen_t len, void*) { return ::connect(fd, sa, len); }
ares_ssize_t sock_recvfrom(ares_socket_t fd, void* buf, size_t len, int flags, sockaddr* from, ares_socklen_t* fromlen,
                           void*) {
  return ::recvfrom(fd, buf, len, flags, from, fromlen);
}
ares_ssize_t sock_sendv(ares_socket_t fd, const iovec* iov, int n, void*) {
  msghdr m{};
  m.msg_iov = const_cast<iovec*>(iov);
  m.msg_iovlen = size_t(n);
  return ::sendmsg(fd, &m, MSG_NOSIGNAL);
}
const ares_socket_functions kSockFuncs = {sock_socket, sock_close, sock_connect, sock_recvfrom, sock_sendv};

// glibc's timeout and attempts (resolv.conf "options timeout:N attempts:N",
// then RES_OPTIONS; defaults 5 s and 2, at most 30 s and 5: resolv.h's
// RES_TIMEOUT, RES_DFLRETRY, RES_MAXRETRANS, RES_MAXRETRY). c-ares 1.18
// reads search, ndots and rotate from resolv.conf itself, not these two
// (its own defaults are 5 s and 4 tries).
struct Retrans {
  int timeout_s = 5;
  int attempts = 2;
};
void parse_options(const char* p, Retrans& r) {
  while (*p) {
    while (*p == ' ' || *p == '\t') ++p;
    if (!std::strncmp(p, "timeout:", 8)) r.timeout_s = std::clamp(std::atoi(p + 8), 1, 30);
    if (!std::strncmp(p, "attempts:", 9)) r.attempts = std::clamp(std::atoi(p + 9), 1, 5);
    while (*p && *p != ' ' && *p != '\t') ++p;
  }
}
Retrans retrans() {
  Retrans r;
  if (FILE* f = std::fopen("/etc/resolv.conf", "re")) {
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
      line[std::strcspn(line, "\n")] = '\0';
      if (!std::strncmp(line, "options", 7) && (line[7] == ' ' || line[7] == '\t')) parse_options(line + 7, r);
    }
    std::fclose(f);
  }
  if (const char* env = std::getenv("RES_OPTIONS")) parse_options(env, r);
  return r;
}

}  // namespace

const Ares* ares() {
  std::call_once(g_ares_once, load_ares);
  return g_ares_ok ? &g_ares : nullptr;
}

Channel::Channel(const Ares& a, bool files_only) : a_(a) {
  ares_options o{};
  o.lookups = const_cast<char*>("f");
  int mask = ARES_OPT_LOOKUPS;
  if (!files_only) {
    const Retrans r = retrans();
    // One try per server and per round: c-ares 1.18 doubles the timeout at
    // each round (timeout << round), glibc keeps it (timeout:N per try);
    // the shim makes the rounds itself (attempts(): the callers ask again
    // while every server timed out).
    o.timeout = r.timeout_s * 1000;
    o.tries = 1;
    attempts_ = r.attempts;
    mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  }
  if (a_.init_options(&ch_, &o, mask) != ARES_SUCCESS) {
    ch_ = nullptr;
    return;
  }
  a_.set_socket_functions(ch_, &kSockFuncs, nullptr);
}

void Channel::run(const int* pending) {
  for (int guard = 0; *pending > 0 && guard < 100000; ++guard) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = a_.getsock(ch_, socks, ARES_GETSOCK_MAXNUM);
    pollfd p[ARES_GETSOCK_MAXNUM];
    int n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
      if (!ev) continue;
      p[n++] = pollfd{socks[i], ev, 0};
    }
    timeval tv{}, max{5, 0};
    timeval* t = a_.timeout(ch_, &max, &tv);
    int ms = int(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
    int r = ::poll(p, nfds_t(n), ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      a_.process_fd(ch_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      continue;
    }
    for (int i = 0; i < n; ++i) {
      if (!p[i].revents) continue;
      const bool rd = p[i].revents & (POLLIN | POLLHUP | POLLERR);
      const bool wr = p[i].revents & (POLLOUT | POLLHUP | POLLERR);
      a_.process_fd(ch_, rd ? p[i].fd : ARES_SOCKET_BAD, wr ? p[i].fd : ARES_SOCKET_BAD);
    }
  }
}

Status status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS: return kOk;
    case ARES_ENOTFOUND: return kNotFound;
    case ARES_ENODATA: return kNoData;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
    case ARES_ESERVFAIL:
    case ARES_EREFUSED: return kTryAgain;
    case ARES_ENOMEM:
      errno = ENOMEM;
      return kSystem;
    default: return kNoRecovery;
  }
}

void on_reply(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* r = static_cast<Reply*>(arg);
  r->status = status;
  if (abuf && alen > 0) r->abuf.assign(abuf, abuf + alen);
  --*r->pending;
}

bool Addr::operator==(const Addr& o) const {
  return family == o.family && std::memcmp(bytes, o.bytes, family == AF_INET ? 4 : 16) == 0;
}

bool use_host() {
  static const bool host = [] {
    const char* v = std::getenv("TUNSOCK_RESOLVER");
    return v && !std::strcmp(v, "host");
  }();
  if (host) return true;
  if (domain_routed(AF_INET)) return false;
  static bool said = false;
  if (!said) {
    said = true;
    trace("resolver: the daemon does not serve inet (or TUNSOCK_DOMAINS keeps it on the kernel): glibc's own "
          "resolver answers, over the kernel's network");
  }
  return true;
}

// A family the program keeps on the kernel (TUNSOCK_DOMAINS, or one the
// daemon does not serve) is the kernel's: its socket() here is the
// kernel's, and so is the answer, as glibc gets it for that program (a UDP
// connect sends nothing).
bool source_for(const Addr& dst, Addr* src) {
  int fd = ::socket(dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  if (fdtable::ours(fd) == domain_routed(dst.family)) {
    sockaddr_storage ss{};
    socklen_t len;
    if (dst.family == AF_INET) {
      auto* s = reinterpret_cast<sockaddr_in*>(&ss);
      s->sin_family = AF_INET;
      s->sin_port = htons(53);
      std::memcpy(&s->sin_addr, dst.bytes, 4);
      len = sizeof *s;
    } else {
      auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
      s->sin6_family = AF_INET6;
      s->sin6_port = htons(53);
      std::memcpy(&s->sin6_addr, dst.bytes, 16);
      len = sizeof *s;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
      len = sizeof ss;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        src->family = ss.ss_family;
        if (ss.ss_family == AF_INET)
          std::memcpy(src->bytes, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, 4);
        else
          std::memcpy(src->bytes, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, 16);
        ok = true;
      }
    }
  }
  ::close(fd);
  return ok;
}

namespace {

// glibc's rule (__check_pf, sysdeps/unix/sysv/linux/check_pf.c): a family
// counts when an address of it other than 127.0.0.1 and ::1 exists on any
// interface, up or not (link-local IPv6 addresses count).
bool counts(int family, const unsigned char* b) {
  if (family == AF_INET) return !(b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1);
  static const unsigned char kLoop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(b, kLoop, 16) != 0;
}

// The daemon's interface addresses (CtlQuery kCtlInterfaces, docs/ctl-json.md:
// every interface's "addrs": ["198.18.0.2/24", "2001:db8::2/64", ...]):
// whether one of each family counts. false when the daemon cannot be asked.
bool daemon_has(bool* v4, bool* v6) {
  *v4 = *v6 = false;
  Call c;
  c.q.a = ipc::kCtlInterfaces;
  Answer a;
  if (call(ipc::Op::CtlQuery, c, a) != 0 || a.r.error) return false;
  const std::string& j = a.payload;
  for (size_t at = j.find("\"addrs\""); at != std::string::npos; at = j.find("\"addrs\"", at + 1)) {
    const size_t open = j.find('[', at), close = j.find(']', at);
    if (open == std::string::npos || close == std::string::npos || close < open) break;
    for (size_t q = j.find('"', open); q != std::string::npos && q < close; q = j.find('"', q + 1)) {
      const size_t end = j.find('"', q + 1);
      if (end == std::string::npos || end > close) break;
      std::string text = j.substr(q + 1, end - q - 1);
      q = end;
      text = text.substr(0, text.find('/'));
      unsigned char b[16];
      if (::inet_pton(AF_INET, text.c_str(), b) == 1)
        *v4 |= counts(AF_INET, b);
      else if (::inet_pton(AF_INET6, text.c_str(), b) == 1)
        *v6 |= counts(AF_INET6, b);
    }
  }
  return true;
}

// The kernel's interfaces, for a family the program keeps on the kernel.
bool kernel_has(int family) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool seen = false;
  for (const ifaddrs* i = list; i && !seen; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != family) continue;
    const auto* b = family == AF_INET
                        ? reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr)
                        : reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr);
    seen = counts(family, b);
  }
  ::freeifaddrs(list);
  return seen;
}

}  // namespace

// AI_ADDRCONFIG as glibc decides it, on the program's view of the
// interfaces: for a family the shim sends to the stack, the daemon's
// interfaces (one question per call, as glibc asks netlink at each call
// without nscd); for one it keeps on the kernel, the kernel's. No daemon
// to ask: the family counts when it would go to the daemon (the lookup
// then fails on its own, EAI_AGAIN, as every call to a missing daemon).
void families_configured(bool* v4, bool* v6) {
  const bool r4 = domain_routed(AF_INET), r6 = domain_routed(AF_INET6);
  bool d4 = true, d6 = true;  // no daemon to ask: as if configured
  if ((r4 || r6) && !daemon_has(&d4, &d6)) d4 = d6 = true;
  *v4 = r4 ? d4 : kernel_has(AF_INET);
  *v6 = r6 ? d6 : kernel_has(AF_INET6);
}

}  // namespace tunsock::shim::resolve
