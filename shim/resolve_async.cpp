// getaddrinfo_a, gai_suspend and gai_cancel through the stack (resolve.hpp):
// glibc's asynchronous lookups call its getaddrinfo inside libc, past the
// shim, so the shim runs the batch itself: one detached thread per
// GAI_NOWAIT call doing the shim's getaddrinfo for each request, the
// result in ar_result and the status in the gaicb's __return (which glibc's
// own gai_error reads), then the sigevent. glibc counterpart: resolv/gai_*.c.
#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "common.hpp"
#include "resolve.hpp"

namespace tunsock::shim::resolve {
namespace {

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

// The requests the shim runs, for gai_suspend and gai_cancel; a request
// not listed is glibc's (TUNSOCK_RESOLVER=host). Kept for the process's
// life: one pointer per distinct gaicb a program ever passed.
std::mutex g_mu;
std::condition_variable g_done;
std::vector<const gaicb*> g_ours;

bool ours(const gaicb* r) {
  std::lock_guard lk(g_mu);
  return std::find(g_ours.begin(), g_ours.end(), r) != g_ours.end();
}
int status_of(const gaicb* r) { return __atomic_load_n(&r->__return, __ATOMIC_ACQUIRE); }

void run_one(gaicb* r) {
  addrinfo* res = nullptr;
  int e = ::getaddrinfo(r->ar_name, r->ar_service, r->ar_request, &res);  // the shim's
  r->ar_result = e ? nullptr : res;
  {
    std::lock_guard lk(g_mu);
    __atomic_store_n(&r->__return, e, __ATOMIC_RELEASE);
  }
  g_done.notify_all();
}

struct Batch {
  std::vector<gaicb*> reqs;
  sigevent ev{};
  bool notify = false;
};

void* notify_thread(void* arg) {
  auto* ev = static_cast<sigevent*>(arg);
  ev->sigev_notify_function(ev->sigev_value);
  delete ev;
  return nullptr;
}

void* run_batch(void* arg) {
  auto* b = static_cast<Batch*>(arg);
  for (gaicb* r : b->reqs) run_one(r);
  if (b->notify && b->ev.sigev_notify == SIGEV_SIGNAL) {
    ::sigqueue(::getpid(), b->ev.sigev_signo, b->ev.sigev_value);
  } else if (b->notify && b->ev.sigev_notify == SIGEV_THREAD) {
    auto* ev = new sigevent(b->ev);
    pthread_t t;
    pthread_attr_t attr;
    ::pthread_attr_init(&attr);
    ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (::pthread_create(&t, b->ev.sigev_notify_attributes ? b->ev.sigev_notify_attributes : &attr, notify_thread,
                         ev) != 0)
      delete ev;
    ::pthread_attr_destroy(&attr);
  }
  delete b;
  return nullptr;
}

}  // namespace
}  // namespace tunsock::shim::resolve

using namespace tunsock::shim;
using namespace tunsock::shim::resolve;

TUNSOCK_EXPORT int getaddrinfo_a(int mode, gaicb* list[], int n, sigevent* sev) {
  if (use_host()) return next<int (*)(int, gaicb**, int, sigevent*)>("getaddrinfo_a")(mode, list, n, sev);
  if (mode != GAI_WAIT && mode != GAI_NOWAIT) return EAI_SYSTEM;  // glibc: EINVAL in errno
  auto* b = new Batch;
  for (int i = 0; i < n; ++i) {
    if (!list[i]) continue;
    __atomic_store_n(&list[i]->__return, EAI_INPROGRESS, __ATOMIC_RELEASE);
    b->reqs.push_back(list[i]);
  }
  {
    std::lock_guard lk(g_mu);
    for (gaicb* r : b->reqs)
      if (std::find(g_ours.begin(), g_ours.end(), r) == g_ours.end()) g_ours.push_back(r);
  }
  trace("getaddrinfo_a(%s, %zu requests)", mode == GAI_WAIT ? "GAI_WAIT" : "GAI_NOWAIT", b->reqs.size());
  if (mode == GAI_WAIT) {
    for (gaicb* r : b->reqs) run_one(r);
    delete b;
    return 0;
  }
  if (sev && sev->sigev_notify != SIGEV_NONE) {
    b->ev = *sev;
    b->notify = true;
  }
  pthread_t t;
  pthread_attr_t attr;
  ::pthread_attr_init(&attr);
  ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  const int e = ::pthread_create(&t, &attr, run_batch, b);
  ::pthread_attr_destroy(&attr);
  if (e != 0) {
    for (gaicb* r : b->reqs) __atomic_store_n(&r->__return, EAI_AGAIN, __ATOMIC_RELEASE);
    delete b;
    return EAI_AGAIN;
  }
  return 0;
}

// Waits until one of the listed requests is done: 0, or EAI_AGAIN when the
// timeout passes (glibc's results). DEVIATION: a signal does not end the
// wait with EAI_INTR. Requests that are glibc's go to glibc's gai_suspend.
TUNSOCK_EXPORT int gai_suspend(const gaicb* const list[], int n, const timespec* timeout) {
  bool mine = false;
  for (int i = 0; i < n && !mine; ++i) mine = list[i] && ours(list[i]);
  if (!mine) return next<int (*)(const gaicb* const*, int, const timespec*)>("gai_suspend")(list, n, timeout);
  auto any_done = [&] {
    for (int i = 0; i < n; ++i)
      if (list[i] && status_of(list[i]) != EAI_INPROGRESS) return true;
    return false;
  };
  std::unique_lock lk(g_mu);
  if (!timeout) {
    g_done.wait(lk, any_done);
    return 0;
  }
  const auto span = std::chrono::seconds(timeout->tv_sec) + std::chrono::nanoseconds(timeout->tv_nsec);
  return g_done.wait_for(lk, span, any_done) ? 0 : EAI_AGAIN;
}

// A running lookup cannot be stopped: EAI_NOTCANCELED while in progress,
// EAI_ALLDONE once done (glibc cancels only requests still queued).
TUNSOCK_EXPORT int gai_cancel(gaicb* req) {
  if (!ours(req)) return next<int (*)(gaicb*)>("gai_cancel")(req);
  return status_of(req) == EAI_INPROGRESS ? EAI_NOTCANCELED : EAI_ALLDONE;
}
