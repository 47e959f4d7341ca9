// The exported socket calls: each runs its implementation (impl::, in its
// family's file) and, with the call log on, writes the call as strace shows
// the system call (send/recv as sendto/recvfrom, as glibc makes them).
// errno is kept across the logging. close is logged for the stack's sockets
// only: the log is about the network, as `strace -e trace=network`.
#include <algorithm>
#include <cerrno>

#include "common.hpp"
#include "fdtable.hpp"
#include "trace_calls.hpp"

using namespace tunsock::shim;

namespace {

// Run the call; log it when the log is on; hand back its result and errno.
template <class Call, class Log>
auto logged(Call call, Log log) {
  if (!call_log_on()) return call();
  const auto r = call();
  const int e = errno;
  log(r, e);
  errno = e;
  return r;
}

}  // namespace

TUNSOCK_EXPORT int socket(int domain, int type, int protocol) {
  return logged([&] { return impl::socket(domain, type, protocol); },
                [&](int r, int e) {
                  StraceLine l("socket");
                  l.socket_domain(domain).sep().socket_type(type).sep().socket_protocol(domain, protocol).finish(r, e);
                });
}

TUNSOCK_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
  return logged([&] { return impl::socketpair(domain, type, protocol, sv); },
                [&](int r, int e) {
                  StraceLine l("socketpair");
                  l.socket_domain(domain).sep().socket_type(type).sep().socket_protocol(domain, protocol).sep();
                  r == 0 ? l.fmt("[%d, %d]", sv[0], sv[1]) : l.fmt("%p", static_cast<void*>(sv));
                  l.finish(r, e);
                });
}

TUNSOCK_EXPORT int bind(int fd, const sockaddr* addr, socklen_t len) {
  return logged([&] { return impl::bind(fd, addr, len); },
                [&](int r, int e) { StraceLine("bind").fd(fd).sep().sockaddr_of(addr, len).sep().fmt("%u", len).finish(r, e); });
}

TUNSOCK_EXPORT int listen(int fd, int backlog) {
  return logged([&] { return impl::listen(fd, backlog); },
                [&](int r, int e) { StraceLine("listen").fd(fd).sep().fmt("%d", backlog).finish(r, e); });
}

TUNSOCK_EXPORT int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  const socklen_t before = len ? *len : 0;
  return logged([&] { return impl::accept4(fd, addr, len, flags); },
                [&](int r, int e) {
                  StraceLine l("accept4");
                  l.fd(fd).sep();
                  r >= 0 ? l.sockaddr_of(addr, len ? *len : 0) : addr ? l.fmt("%p", static_cast<void*>(addr)) : l.put("NULL");
                  l.sep().addrlen(len, before).sep().sock_flags(flags).finish(r, e);
                });
}

TUNSOCK_EXPORT int accept(int fd, sockaddr* addr, socklen_t* len) {
  const socklen_t before = len ? *len : 0;
  return logged([&] { return impl::accept(fd, addr, len); },
                [&](int r, int e) {
                  StraceLine l("accept");
                  l.fd(fd).sep();
                  r >= 0 ? l.sockaddr_of(addr, len ? *len : 0) : addr ? l.fmt("%p", static_cast<void*>(addr)) : l.put("NULL");
                  l.sep().addrlen(len, before).finish(r, e);
                });
}

TUNSOCK_EXPORT int connect(int fd, const sockaddr* addr, socklen_t len) {
  return logged([&] { return impl::connect(fd, addr, len); },
                [&](int r, int e) {
                  StraceLine("connect").fd(fd).sep().sockaddr_of(addr, len).sep().fmt("%u", len).finish(r, e);
                });
}

TUNSOCK_EXPORT int shutdown(int fd, int how) {
  return logged([&] { return impl::shutdown(fd, how); },
                [&](int r, int e) { StraceLine("shutdown").fd(fd).sep().shut_how(how).finish(r, e); });
}

static int name_call(const char* what, int (*fn)(int, sockaddr*, socklen_t*), int fd, sockaddr* addr,
                     socklen_t* len) {
  const socklen_t before = len ? *len : 0;
  return logged([&] { return fn(fd, addr, len); },
                [&](int r, int e) {
                  StraceLine l(what);
                  l.fd(fd).sep();
                  r == 0 && len ? l.sockaddr_of(addr, std::min(*len, before)) : l.fmt("%p", static_cast<void*>(addr));
                  l.sep().addrlen(len, before).finish(r, e);
                });
}

TUNSOCK_EXPORT int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  return name_call("getsockname", impl::getsockname, fd, addr, len);
}

TUNSOCK_EXPORT int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  return name_call("getpeername", impl::getpeername, fd, addr, len);
}

TUNSOCK_EXPORT int getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
  const socklen_t before = len ? *len : 0;
  return logged([&] { return impl::getsockopt(fd, level, name, val, len); },
                [&](int r, int e) {
                  StraceLine l("getsockopt");
                  l.fd(fd).sep().level(level).sep().optname(level, name).sep();
                  l.optval(val, len ? std::min(*len, before) : 0, r == 0).sep().addrlen(len, before).finish(r, e);
                });
}

TUNSOCK_EXPORT int setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
  return logged([&] { return impl::setsockopt(fd, level, name, val, len); },
                [&](int r, int e) {
                  StraceLine l("setsockopt");
                  l.fd(fd).sep().level(level).sep().optname(level, name).sep().optval(val, len, true);
                  l.sep().fmt("%u", len).finish(r, e);
                });
}

// recvfrom(fd, buf, len, flags, addr, alen): recv is recvfrom with NULLs.
static void log_recvfrom(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, const socklen_t* alen,
                         socklen_t before, ssize_t r, int e) {
  StraceLine l("recvfrom");
  l.fd(fd).sep();
  r >= 0 ? l.bytes(buf, size_t(r)) : l.fmt("%p", buf);
  l.sep().fmt("%zu", len).sep().msg_flags(flags).sep();
  r >= 0 && alen ? l.sockaddr_of(addr, std::min(*alen, before)) : addr ? l.fmt("%p", static_cast<const void*>(addr)) : l.put("NULL");
  l.sep().addrlen(alen, before).finish(r, e);
}

TUNSOCK_EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr, socklen_t* alen) {
  const socklen_t before = alen ? *alen : 0;
  return logged([&] { return impl::recvfrom(fd, buf, len, flags, addr, alen); },
                [&](ssize_t r, int e) { log_recvfrom(fd, buf, len, flags, addr, alen, before, r, e); });
}

TUNSOCK_EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags) {
  return logged([&] { return impl::recv(fd, buf, len, flags); },
                [&](ssize_t r, int e) { log_recvfrom(fd, buf, len, flags, nullptr, nullptr, 0, r, e); });
}

TUNSOCK_EXPORT ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  return logged([&] { return impl::recvmsg(fd, msg, flags); },
                [&](ssize_t r, int e) {
                  StraceLine("recvmsg").fd(fd).sep().msghdr_of(msg, r, r >= 0).sep().msg_flags(flags).finish(r, e);
                });
}

static void log_sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t alen,
                       ssize_t r, int e) {
  StraceLine l("sendto");
  l.fd(fd).sep().bytes(buf, len).sep().fmt("%zu", len).sep().msg_flags(flags).sep();
  l.sockaddr_of(addr, alen).sep().fmt("%u", alen).finish(r, e);
}

TUNSOCK_EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t alen) {
  return logged([&] { return impl::sendto(fd, buf, len, flags, addr, alen); },
                [&](ssize_t r, int e) { log_sendto(fd, buf, len, flags, addr, alen, r, e); });
}

TUNSOCK_EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags) {
  return logged([&] { return impl::send(fd, buf, len, flags); },
                [&](ssize_t r, int e) { log_sendto(fd, buf, len, flags, nullptr, 0, r, e); });
}

TUNSOCK_EXPORT ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  return logged([&] { return impl::sendmsg(fd, msg, flags); },
                [&](ssize_t r, int e) {
                  size_t total = 0;
                  for (size_t i = 0; msg && i < msg->msg_iovlen; ++i) total += msg->msg_iov[i].iov_len;
                  StraceLine("sendmsg").fd(fd).sep().msghdr_of(msg, ssize_t(total), true).sep().msg_flags(flags).finish(r, e);
                });
}

TUNSOCK_EXPORT int close(int fd) {
  if (!call_log_on() || !fdtable::ours(fd)) return impl::close(fd);
  return logged([&] { return impl::close(fd); }, [&](int r, int e) { StraceLine("close").fd(fd).finish(r, e); });
}
