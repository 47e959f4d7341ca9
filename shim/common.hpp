// Helpers shared by the interposed entry points.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include "client.hpp"
#include "fdtable.hpp"
#include "real.hpp"

#define TUNSOCK_EXPORT extern "C" __attribute__((visibility("default")))

namespace tunsock::shim {

inline int fail(int e) {
  errno = e;
  return -1;
}

// The stack socket behind fd: from the table, or recognised by its channel
// name when the descriptor came from elsewhere (exec, SCM_RIGHTS).
std::optional<SockInfo> lookup(int fd);

// Copy an address out as the kernel does: truncate to *len, report the
// full length.
void copy_addr(const void* src, socklen_t srclen, sockaddr* dst, socklen_t* dstlen);

// Is the descriptor's open file description nonblocking?
bool is_nonblocking(int fd);

// Domains that go to the stack (TUNSOCK_DOMAINS, default: unix).
bool domain_routed(int domain);

// Trace a call when TUNSOCK_SHIM_LOG names a file (strace-like).
void trace(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A pathname destination: stat it in this process (errors as the kernel's)
// and put its vnode into the request. Abstract names pass unchanged.
int resolve_path(const sockaddr* addr, socklen_t len, Call& c);
// The name belongs to the host: make fd a kernel socket of the same kind.
int fall_through(int fd, const SockInfo& s);

// Datagram receive on a channel: strip the framing (DgramHeader + source
// address padded to ipc::kMaxAddr) into msg_name / the iovecs.
ssize_t dgram_recvmsg(int fd, msghdr* msg, int flags);
// Datagram send through the daemon (errors come back at once).
ssize_t dgram_sendmsg(int fd, const SockInfo& s, const msghdr* msg, int flags);

}  // namespace tunsock::shim
