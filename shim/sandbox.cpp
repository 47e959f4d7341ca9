// A program that confines itself with seccomp: prctl(PR_SET_SECCOMP) is
// noted so that the shim adds no system call of its own to the program's
// reads, writes and closes from then on (see sandboxed() in common.hpp).
// OpenSSH's preauth child is the case in point: its filter allows read,
// write, poll, close and little else, and kills the process on sendmsg or
// ioctl, so the shim's MSG_NOSIGNAL send or a request to the daemon would
// end the ssh session before key exchange.
#include <dlfcn.h>
#include <sys/prctl.h>

#include <atomic>
#include <cstdarg>

#include "common.hpp"

namespace tunsock::shim {
namespace {

std::atomic<bool> g_sandboxed{false};

using Prctl = int (*)(int, ...);

Prctl real_prctl() {
  static Prctl fn = reinterpret_cast<Prctl>(::dlsym(RTLD_NEXT, "prctl"));
  return fn;
}

}  // namespace

bool sandboxed() { return g_sandboxed.load(std::memory_order_relaxed); }

}  // namespace tunsock::shim

using namespace tunsock::shim;

// glibc's prctl is variadic and passes four further words to the kernel
// whatever the option; so do we.
TUNSOCK_EXPORT int prctl(int option, ...) {
  va_list ap;
  va_start(ap, option);
  const unsigned long a2 = va_arg(ap, unsigned long);
  const unsigned long a3 = va_arg(ap, unsigned long);
  const unsigned long a4 = va_arg(ap, unsigned long);
  const unsigned long a5 = va_arg(ap, unsigned long);
  va_end(ap);
  // Noted before the call: once the filter is in place the next system
  // call may already be one the filter forbids.
  const bool was = g_sandboxed.load();
  if (option == PR_SET_SECCOMP) g_sandboxed = true;
  const int r = real_prctl()(option, a2, a3, a4, a5);
  if (r != 0 && option == PR_SET_SECCOMP) g_sandboxed = was;
  return r;
}
