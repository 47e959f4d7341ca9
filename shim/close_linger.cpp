// close() of a stack TCP socket with SO_LINGER on and a nonzero time: Linux
// (inet_release -> tcp_close -> sk_stream_wait_close) waits, blocking or
// not, while the connection is closing (FIN-WAIT-1, CLOSING, LAST-ACK: what
// was sent, FIN included, not yet acknowledged), at most the linger time,
// and returns 0 either way; the connection goes on without the program. A
// signal ends the wait early; an exiting process does not wait (the kernel
// closes its descriptors, not the shim). Only the last descriptor's close
// waits: the daemon tells (UNIX_DIAG) whether the channel end is gone.
#include <ctime>

#include "common.hpp"

namespace tunsock::shim {

namespace {
int64_t now_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}
}  // namespace

void linger_after_close(const SockInfo& s) {
  const int64_t end = now_ms() + int64_t(s.linger_s) * 1000;
  // Each round: the daemon says whether the connection is still closing
  // and hands a wait token that every ACK wakes (so_writable), never a sleep.
  for (int round = 0; round < 1000000; ++round) {
    Call c;
    c.q.sock_id = s.id;
    c.q.a = ipc::kIoctlLinger;
    c.cloexec = true;  // a wait token
    Answer a;
    if (call(ipc::Op::Ioctl, c, a) != 0 || a.r.error || a.r.value == 0) {
      for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
      return;
    }
    const int64_t left = end - now_ms();
    if (left <= 0) {
      for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
      trace("close(socket %llu): linger time over", (unsigned long long)s.id);
      return;
    }
    int w = wait_token(a, int(std::min<int64_t>(left, 0x7fffffff)));
    if (w) {  // ETIMEDOUT, EINTR (a signal ends the wait, as Linux), ENETDOWN, no token
      trace("close(socket %llu): linger wait ends: %d", (unsigned long long)s.id, w);
      return;
    }
  }
}

}  // namespace tunsock::shim
