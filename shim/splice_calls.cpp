// sendfile(2) and splice(2) on stack TCP sockets. The application's fd is a
// real kernel socket (its end of the channel), so the kernel moves the
// bytes itself, zero-copy; only what the call reports differs from TCP's
// and is fronted here: a connect in progress is waited for (or EAGAIN) as
// a send waits; a socket with no connection answers EPIPE with SIGPIPE
// (Linux sk_stream_wait_connect), not the channel's ENOTCONN; a reset
// reports its pending error once, without SIGPIPE (sk_stream_error); a
// splice out of the socket ends as a read ends (stream_read_end).
#include <fcntl.h>
#include <pthread.h>
#include <sys/sendfile.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "common.hpp"

namespace tunsock::shim {
namespace {

// Into a stack TCP socket: op() is the kernel's call on the channel.
template <class Op>
ssize_t tcp_pushed(int fd, Op op) {
  if (int e = tcp_wait_connected(fd, false)) return fail(e);
  // The channel's own EPIPE raises SIGPIPE in the kernel (sendfile has no
  // MSG_NOSIGNAL): hold it back, decide below whether TCP would raise it.
  sigset_t pipe, old, pend;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, &old);
  sigpending(&pend);
  const bool was_pending = sigismember(&pend, SIGPIPE);
  ssize_t n = op();
  const int e = errno;
  if (n < 0 && e == EPIPE && !was_pending) {
    timespec zero{};
    (void)sigtimedwait(&pipe, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (n >= 0 || (e != EPIPE && e != ECONNRESET && e != ENOTCONN)) {
    errno = e;
    return n;
  }
  if (auto s = fdtable::get(fd))
    if (int pe = take_so_error(fd, *s)) {
      trace("sendfile/splice(%d): so_error %d", fd, pe);
      return fail(pe);
    }
  ::raise(SIGPIPE);
  return fail(EPIPE);
}

// Out of a stack TCP socket: the end of data as a read ends; an
// unconnected channel says EINVAL where TCP says ENOTCONN.
ssize_t tcp_pulled(int fd, ssize_t n, size_t len) {
  if (n < 0 && errno == EINVAL) return fail(ENOTCONN);
  if ((n == 0 && len) || (n < 0 && errno == ECONNRESET)) return stream_read_end(fd, n);
  return n;
}

// An inet stream socket of the stack, listeners included (a listener is no
// connection: EPIPE, as Linux).
bool stack_stream(int fd) {
  if (fdtable::tcp(fd)) return true;
  if (!fdtable::ours(fd)) return false;
  auto s = fdtable::get(fd);
  return s && s->type == SOCK_STREAM && s->domain != AF_UNIX;
}

}  // namespace
}  // namespace tunsock::shim

using namespace tunsock;
using namespace tunsock::shim;

TUNSOCK_EXPORT ssize_t sendfile(int out, int in, off_t* off, size_t len) {
  if (!stack_stream(out)) return real().sendfile(out, in, off, len);
  return tcp_pushed(out, [&] { return real().sendfile(out, in, off, len); });
}

TUNSOCK_EXPORT ssize_t sendfile64(int out, int in, off64_t* off, size_t len) {
  if (!stack_stream(out)) return real().sendfile64(out, in, off, len);
  return tcp_pushed(out, [&] { return real().sendfile64(out, in, off, len); });
}

TUNSOCK_EXPORT ssize_t splice(int in, loff_t* off_in, int out, loff_t* off_out, size_t len, unsigned flags) {
  if (stack_stream(out)) return tcp_pushed(out, [&] { return real().splice(in, off_in, out, off_out, len, flags); });
  ssize_t n = real().splice(in, off_in, out, off_out, len, flags);
  return stack_stream(in) ? tcp_pulled(in, n, len) : n;
}
