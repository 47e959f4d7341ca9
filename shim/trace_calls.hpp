// The shim's call log: every intercepted socket call written as strace
// writes it (`connect(3, {sa_family=AF_INET, sin_port=htons(80),
// sin_addr=inet_addr("198.18.0.1")}, 16) = -1 EINPROGRESS (Operation now in
// progress)`), to the file TUNSOCK_SHIM_LOG names or, with
// TUNSOCK_LOG=shim=trace, a per-process file in $TMPDIR (common.cpp).
// The exported entry points live in trace_calls.cpp: each logs around the
// implementation its family's file defines in namespace impl.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace tunsock::shim {

// The implementations behind the exported names (socket_calls.cpp,
// io_calls.cpp). Calls between them stay inside impl: one call, one line.
namespace impl {
int socket(int domain, int type, int protocol);
int socketpair(int domain, int type, int protocol, int sv[2]);
int bind(int fd, const sockaddr* addr, socklen_t len);
int listen(int fd, int backlog);
int accept4(int fd, sockaddr* addr, socklen_t* len, int flags);
int accept(int fd, sockaddr* addr, socklen_t* len);
int connect(int fd, const sockaddr* addr, socklen_t len);
int shutdown(int fd, int how);
int getsockname(int fd, sockaddr* addr, socklen_t* len);
int getpeername(int fd, sockaddr* addr, socklen_t* len);
int getsockopt(int fd, int level, int name, void* val, socklen_t* len);
int setsockopt(int fd, int level, int name, const void* val, socklen_t len);
ssize_t recvmsg(int fd, msghdr* msg, int flags);
ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr, socklen_t* alen);
ssize_t recv(int fd, void* buf, size_t len, int flags);
ssize_t sendmsg(int fd, const msghdr* msg, int flags);
ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t alen);
ssize_t send(int fd, const void* buf, size_t len, int flags);
int close(int fd);
}  // namespace impl

// Is the call log on (decided once, from the environment)?
bool call_log_on();
// Write one finished line (no newline) to the call log.
void call_log_write(const char* line, size_t len);

// A line being built in a fixed buffer (no allocation: calls come from
// signal handlers too), with strace's renderings.
class StraceLine {
 public:
  explicit StraceLine(const char* call) { put(call), put("("); }
  StraceLine& put(const char* s);
  StraceLine& fmt(const char* f, ...) __attribute__((format(printf, 2, 3)));
  StraceLine& sep() { return put(", "); }
  StraceLine& fd(int fd) { return fmt("%d", fd); }
  // {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("...")}, or
  // the pointer when there is nothing to show (NULL, or a failed call).
  StraceLine& sockaddr_of(const sockaddr* a, socklen_t len);
  // "[16]" or "[128 => 16]" (value-result length), NULL.
  StraceLine& addrlen(const socklen_t* p, socklen_t before);
  // A buffer as strace quotes it: at most 32 bytes, then "...".
  StraceLine& bytes(const void* p, size_t len);
  StraceLine& socket_domain(int d);
  StraceLine& socket_type(int t);
  StraceLine& socket_protocol(int domain, int p);
  StraceLine& msg_flags(int f);
  StraceLine& sock_flags(int f);  // accept4's SOCK_CLOEXEC|SOCK_NONBLOCK
  StraceLine& level(int l);
  StraceLine& optname(int level, int name);
  StraceLine& optval(const void* v, socklen_t len, bool ok);
  StraceLine& shut_how(int how);
  StraceLine& msghdr_of(const msghdr* m, ssize_t data, bool ok);
  // ") = 3" / ") = -1 ENOENT (No such file or directory)", padded as
  // strace pads; then written to the log.
  void finish(long long r, int err);

 private:
  char buf_[1024];
  size_t n_ = 0;
};

}  // namespace tunsock::shim
