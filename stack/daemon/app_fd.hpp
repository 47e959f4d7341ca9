// Reaching the application's end of a channel from the daemon: a duplicate
// of a descriptor the application holds, taken with pidfd_getfd(2) (ptrace
// attach access to the holder: root, CAP_SYS_PTRACE, or the same uid with
// the shim's PR_SET_PTRACER). Used once per connection, when the stack
// resets it (PROTOCOL.md "Errors on a connection").
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>

namespace tunsock::daemon {

// A process that made requests about a socket, and the descriptor number
// its latest request named (the request's fd_hint; -1 when none did).
struct AppHolder {
  pid_t pid = 0;
  int fd = -1;
};

// A duplicate (close-on-exec) of a descriptor of the socket whose inode is
// ino, held by one of holders (the hinted number first, then the others in
// /proc/PID/fd) or by one of their descendants (a child forked after the
// descriptor was made holds it too; bounded search). Verified by the
// duplicate's inode. Returns it, or -errno: ENOENT when no process was
// found holding it, EPERM (or another pidfd error) when one was but the
// daemon may not take its descriptors.
int borrow_app_socket(std::span<const AppHolder> holders, uint64_t ino);

}  // namespace tunsock::daemon
