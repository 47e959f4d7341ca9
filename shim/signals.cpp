// Which signal interrupted a wait, and did its handler have SA_RESTART?
// A blocking call the shim emulates (accept on a stack listener, a connect
// or datagram send waiting for room) waits in poll(), which a handled signal
// always interrupts. The kernel would restart the call or fail it with EINTR
// depending on the flags of the handler that ran first (Linux
// handle_signal: -ERESTARTSYS becomes EINTR unless SA_RESTART). To know
// which handler ran, the shim stands in front of sigaction/signal: the
// application's handlers run through a trampoline that notes, per thread,
// the SA_RESTART flag of the first handler since the wait began.
// Synchronous fault signals (SIGSEGV...) never interrupt a wait and are
// left alone, so crash handlers and JITs see exactly what they installed.
#include <dlfcn.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common.hpp"

namespace tunsock::shim {
namespace {

using Sigaction = int (*)(int, const struct sigaction*, struct sigaction*);

Sigaction real_sigaction() {
  static Sigaction fn = reinterpret_cast<Sigaction>(::dlsym(RTLD_NEXT, "sigaction"));
  return fn;
}

// The application's action per signal, as it asked for it.
struct AppAction {
  std::atomic<void*> handler{nullptr};
  std::atomic<int> flags{0};
};
AppAction g_app[NSIG];

// -1: no trampoline ran since wait_mark(); else 1 (SA_RESTART) or 0.
__thread int t_first_restart __attribute__((tls_model("initial-exec"))) = -1;

bool wrapped(int sig) {
  switch (sig) {
    case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP: case SIGSYS:
    case SIGKILL: case SIGSTOP:
      return false;
    default:
      return sig > 0 && sig < NSIG;
  }
}

bool is_handler(void* h) {
  return h != reinterpret_cast<void*>(SIG_DFL) && h != reinterpret_cast<void*>(SIG_IGN) &&
         h != reinterpret_cast<void*>(SIG_ERR);
}

void trampoline(int sig, siginfo_t* info, void* ctx) {
  const int saved = errno;
  void* h = g_app[sig].handler.load(std::memory_order_acquire);
  int flags = g_app[sig].flags.load(std::memory_order_relaxed);
  // The kernel's current flags win (siginterrupt() changes them behind our
  // back), unless SA_RESETHAND has reset the action already.
  struct sigaction cur;
  if (real_sigaction() && real_sigaction()(sig, nullptr, &cur) == 0 &&
      cur.sa_sigaction == trampoline)
    flags = cur.sa_flags;
  if (t_first_restart < 0) t_first_restart = (flags & SA_RESTART) ? 1 : 0;
  errno = saved;
  if (!is_handler(h)) return;  // changed meanwhile; the kernel delivered to the old action
  if (flags & SA_SIGINFO) reinterpret_cast<void (*)(int, siginfo_t*, void*)>(h)(sig, info, ctx);
  else reinterpret_cast<void (*)(int)>(h)(sig);
}

// sigaction() as the application sees it: its own handler and flags.
int do_sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  Sigaction rs = real_sigaction();
  if (!rs) return fail(ENOSYS);
  if (!wrapped(sig)) return rs(sig, act, old);
  struct sigaction prev;
  struct sigaction mine;
  const struct sigaction* use = act;
  void* h = nullptr;
  if (act) {
    h = (act->sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(act->sa_sigaction)
                                     : reinterpret_cast<void*>(act->sa_handler);
    if (is_handler(h)) {
      mine = *act;
      mine.sa_sigaction = trampoline;
      mine.sa_flags = act->sa_flags | SA_SIGINFO;
      use = &mine;
    }
  }
  // Note the handler before the kernel can deliver to the trampoline.
  void* was_h = g_app[sig].handler.load();
  int was_flags = g_app[sig].flags.load();
  if (act && is_handler(h)) {
    g_app[sig].flags.store(act->sa_flags, std::memory_order_relaxed);
    g_app[sig].handler.store(h, std::memory_order_release);
  }
  if (rs(sig, use, &prev) != 0) {
    int e = errno;
    g_app[sig].handler.store(was_h);
    g_app[sig].flags.store(was_flags);
    return fail(e);
  }
  if (old) {
    *old = prev;
    if (prev.sa_sigaction == trampoline) {
      // The kernel's flags (glibc's SA_RESTORER, siginterrupt()), less the
      // SA_SIGINFO the trampoline added.
      old->sa_flags = (prev.sa_flags & ~SA_SIGINFO) | (was_flags & SA_SIGINFO);
      if (was_flags & SA_SIGINFO) old->sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(was_h);
      else old->sa_handler = reinterpret_cast<void (*)(int)>(was_h);
    }
  }
  return 0;
}

sighandler_t do_signal(int sig, sighandler_t h, int flags) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sigemptyset(&sa.sa_mask);
  if (!(flags & SA_NODEFER)) sigaddset(&sa.sa_mask, sig);
  sa.sa_flags = flags;
  struct sigaction old;
  if (sig <= 0 || sig >= NSIG || do_sigaction(sig, &sa, &old) != 0) {
    errno = EINVAL;
    return SIG_ERR;
  }
  return old.sa_handler;  // a union with sa_sigaction: the same pointer either way
}

}  // namespace

void wait_mark() { t_first_restart = -1; }

int wait_interrupt_restarts() {
  const int r = t_first_restart;
  t_first_restart = -1;
  return r;
}

}  // namespace tunsock::shim

using namespace tunsock::shim;

TUNSOCK_EXPORT int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  return do_sigaction(sig, act, old);
}

// glibc's signal() has BSD semantics: the handler stays, calls restart.
TUNSOCK_EXPORT sighandler_t signal(int sig, sighandler_t h) { return do_signal(sig, h, SA_RESTART); }
TUNSOCK_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h) { return do_signal(sig, h, SA_RESTART); }
// System V semantics: one-shot, not blocked while it runs, calls interrupted.
TUNSOCK_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h) {
  return do_signal(sig, h, SA_RESETHAND | SA_NODEFER);
}
