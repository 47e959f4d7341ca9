// Load-time set-up: fork handlers, and the stack sockets a program inherited
// across exec, recognised by their channel names (PROTOCOL.md "Channels").
// Nothing here talks to the daemon, prints, or keeps a descriptor: a program
// that never makes a socket call sees no difference.
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common.hpp"

namespace tunsock::shim {
namespace {

void before_fork() {
  client_before_fork();
  fdtable::lock_for_fork();
}

void after_fork_parent() {
  fdtable::unlock_after_fork();
  client_after_fork_parent();
}

void after_fork_child() {
  fdtable::unlock_after_fork();
  client_after_fork();
}

// Every open descriptor, by reading /proc/self/fd with getdents64 (no
// allocation, one short-lived descriptor).
void scan_inherited() {
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  alignas(8) char buf[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name
      uint16_t reclen;
      std::memcpy(&reclen, buf + off + 16, sizeof reclen);
      const char* name = buf + off + 19;
      off += reclen;
      if (name[0] < '0' || name[0] > '9') continue;
      int fd = 0;
      for (const char* p = name; *p >= '0' && *p <= '9'; ++p) fd = fd * 10 + (*p - '0');
      if (fd == dir) continue;
      if (auto s = classify(fd)) fdtable::put(fd, *s);
    }
  }
  real().close(dir);
}

__attribute__((constructor)) void shim_init() {
  (void)real();
  client_init();
  trace_init();
  ::pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  scan_inherited();
}

}  // namespace
}  // namespace tunsock::shim
