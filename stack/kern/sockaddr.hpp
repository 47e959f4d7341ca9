// SockAddr: the address a socket-layer call carries between the socket layer
// and a protocol (the chapter's "struct sockaddr"). Linux layout (no sa_len);
// the length travels beside the bytes, as Linux's addrlen does.
// FreeBSD: sys/sys/socket.h struct sockaddr, sys/kern/uipc_syscalls.c getsockaddr().
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace tunsock {

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;  // bytes of ss that are meaningful (0 = no address)

  static SockAddr from(const void* sa, socklen_t n) {
    SockAddr a;
    if (n > sizeof(a.ss)) n = sizeof(a.ss);
    std::memcpy(&a.ss, sa, n);
    a.len = n;
    return a;
  }
  sa_family_t family() const { return len >= sizeof(sa_family_t) ? ss.ss_family : AF_UNSPEC; }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&ss); }
  bool empty() const { return len == 0; }
};

// A pseudo-errno, never handed to an application: "no stack socket holds
// this name". The local domain answers it for a connect/sendto to a name it
// does not know; the daemon turns it into ipc::kFallThrough (any value
// >= 4096 is outside the kernel's errno range, MAX_ERRNO = 4095).
inline constexpr int ENOTOURS = 4096;

// A filesystem object's identity: pathname local-domain names are found by
// the inode the path resolves to, as in Linux (unix_find_bsd), so renaming or
// unlinking the file behaves as it does on the kernel. The shim resolves the
// path in the application's own process (its cwd, its credentials).
struct VnodeId {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool valid() const { return ino != 0; }
  friend bool operator==(const VnodeId&, const VnodeId&) = default;
};

// Credentials of the process making a call (FreeBSD struct ucred).
struct Ucred {
  int32_t pid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// The calling context of a user request (FreeBSD's struct thread *td):
// who calls, and what the shim resolved for a pathname argument.
struct Td {
  Ucred cred;
  VnodeId vnode;  // for bind/connect/sendto to a pathname local name
};

}  // namespace tunsock
