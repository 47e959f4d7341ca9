// Helpers shared by the entry points (see common.hpp).
#include "common.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace tunsock::shim {
namespace {

int g_trace_fd = -2;  // -2: not decided yet, -1: off
std::once_flag g_trace_once;

// Is fd the app's end of a channel or a kernel listener of this daemon?
std::optional<SockInfo> probe(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  int dom = 0;
  socklen_t len = sizeof dom;
  if (real().getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) != 0 || dom != AF_UNIX) return std::nullopt;
  sockaddr_un sun{};
  uint64_t inst = 0, id = 0;
  len = sizeof sun;
  bool named = real().getpeername(fd, reinterpret_cast<sockaddr*>(&sun), &len) == 0 &&
               ipc::parse_channel_name(&sun, len, &inst, &id);
  bool listener = false;
  if (!named) {
    len = sizeof sun;
    named = real().getsockname(fd, reinterpret_cast<sockaddr*>(&sun), &len) == 0 &&
            ipc::parse_channel_name(&sun, len, &inst, &id);
    listener = named;
  }
  if (!named) return std::nullopt;
  Call c;
  c.q.sock_id = id;
  Answer a;
  if (call(ipc::Op::Identify, c, a) || a.r.error || instance() != inst) return std::nullopt;
  SockInfo s{id, a.r.a, a.r.b, a.r.c, listener};
  fdtable::put(fd, s);
  return s;
}

}  // namespace

std::optional<SockInfo> lookup(int fd) {
  if (auto s = fdtable::get(fd)) return s;
  if (fd < 0 || fdtable::probed(fd)) return std::nullopt;
  auto s = probe(fd);
  if (!s) fdtable::set_probed(fd);
  return s;
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

bool domain_routed(int domain) {
  static const int mask = [] {
    const char* e = std::getenv("TUNSOCK_DOMAINS");
    std::string s = e ? e : "unix";
    int m = 0;
    size_t pos = 0;
    while (pos <= s.size()) {
      size_t comma = s.find(',', pos);
      std::string w = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (w == "unix" || w == "local") m |= 1;
      if (w == "inet") m |= 2;
      if (w == "inet6") m |= 4;
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    return m;
  }();
  switch (domain) {
    case AF_UNIX: return mask & 1;
    case AF_INET: return mask & 2;
    case AF_INET6: return mask & 4;
    default: return false;
  }
}

void trace(const char* fmt, ...) {
  std::call_once(g_trace_once, [] {
    const char* p = std::getenv("TUNSOCK_SHIM_LOG");
    g_trace_fd = (p && *p) ? ::open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
    if (g_trace_fd >= 0) {
      int hi = real().fcntl(g_trace_fd, F_DUPFD_CLOEXEC, 900);
      if (hi >= 0) {
        real().close(g_trace_fd);
        g_trace_fd = hi;
      }
    }
  });
  if (g_trace_fd < 0) return;
  char line[512];
  int n = std::snprintf(line, sizeof line, "[%d] ", int(::getpid()));
  va_list ap;
  va_start(ap, fmt);
  int m = std::vsnprintf(line + n, sizeof line - size_t(n) - 1, fmt, ap);
  va_end(ap);
  size_t len = std::min(sizeof line - 2, size_t(n + std::max(m, 0)));
  line[len++] = '\n';
  (void)!real().write(g_trace_fd, line, len);
}

}  // namespace tunsock::shim
