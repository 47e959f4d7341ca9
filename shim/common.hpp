// Helpers shared by the interposed entry points.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <optional>

#include "client.hpp"
#include "fdtable.hpp"
#include "real.hpp"
#include "trace_calls.hpp"

#define TUNSOCK_EXPORT extern "C" __attribute__((visibility("default")))

namespace tunsock::shim {

inline int fail(int e) {
  errno = e;
  return -1;
}

// The stack socket behind fd: from the table, or recognised by its channel
// name when the descriptor came from elsewhere (exec, SCM_RIGHTS) and
// confirmed with the daemon (Identify).
std::optional<SockInfo> lookup(int fd);
// Is fd a channel or listener of some daemon, by its abstract name alone?
// (No daemon contact: the answer is pending until lookup confirms it.)
std::optional<SockInfo> classify(int fd);
// Descriptors just received with SCM_RIGHTS: note the stack sockets among them.
void adopt_received(const msghdr* msg);

// Wait until fd (ignored when < 0) polls ready for events, watching this
// thread's control connection so that the daemon's death ends the wait.
// 0, ETIMEDOUT, EINTR, ENETDOWN. A handled signal ends the wait with EINTR
// unless the kernel would restart the call: the first handler that ran had
// SA_RESTART and the wait has no timeout of the application's (timed: e.g.
// SO_RCVTIMEO; Linux sock_intr_errno then answers EINTR whatever the flags).
int wait_ready(int fd, short events, int timeout_ms, bool timed = false);
// A blocking call told EAGAIN waits on the daemon's wait token (fds[0] of
// the reply: ready once the call may succeed; PROTOCOL.md "Calls"), then
// closes the reply's fds. timeout_ms < 0: none. 0, ETIMEDOUT, EINTR,
// ENETDOWN, or EAGAIN when the reply carried no token.
int wait_token(Answer& a, int timeout_ms);
// A socket's SO_RCVTIMEO / SO_SNDTIMEO (opt) in milliseconds, -1 for none.
int timeo_ms(int fd, int opt);
// signals.cpp: the application's handlers run through a trampoline that
// notes the SA_RESTART flag of the first one to run after wait_mark().
void wait_mark();
// 1 or 0 for that first handler's SA_RESTART, -1 when none of ours ran
// (a handler installed behind the shim's back); resets the mark.
int wait_interrupt_restarts();
// The fallback for -1: restart only if every installed handler has SA_RESTART.
bool signals_restart();

// sandbox.cpp: the program installed a seccomp filter (prctl
// PR_SET_SECCOMP), which may allow no more than the calls it makes itself
// (OpenSSH's preauth child: read, write, poll, close; sendmsg or ioctl kill
// it). The shim then adds none to reads, writes and closes of stream
// sockets. DEVIATION: a write after a reset gets the channel's EPIPE and
// SIGPIPE at once (not ECONNRESET first), a read at the end of data 0 or
// the channel's ECONNRESET (not the socket's pending error), and close
// sends no hint (the daemon sees the hang-up).
bool sandboxed();

// Copy an address out as the kernel does: truncate to *len, report the
// full length.
void copy_addr(const void* src, socklen_t srclen, sockaddr* dst, socklen_t* dstlen);

// Is the descriptor's open file description nonblocking?
bool is_nonblocking(int fd);

// Does a socket of this domain go to the stack? Those the daemon serves
// (learned from its Hello on the first call), narrowed by TUNSOCK_DOMAINS.
// Other families never reach the daemon. With no daemon reachable: true, so
// that the call fails with ENETDOWN.
bool domain_routed(int domain);

// A note of the shim's own in the call log ("# tunsock: ..."), when the log is on
// (TUNSOCK_SHIM_LOG=FILE, %p the pid; TUNSOCK_LOG=shim=trace; trace_calls.hpp).
void trace(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Open the trace destination now (at load time, not inside a signal handler).
void trace_init();

// A pathname destination: stat it in this process (errors as the kernel's)
// and put its vnode into the request. Abstract names pass unchanged.
int resolve_path(const sockaddr* addr, socklen_t len, Call& c);
// The name belongs to the host: make fd a kernel socket of the same kind.
int fall_through(int fd, const SockInfo& s);

// The socket's pending error, consumed (the daemon's SO_ERROR; the
// channel's own kernel error is cleared with it). 0 when none, or when the
// daemon cannot say.
int take_so_error(int fd, const SockInfo& s);
// A stream or seqpacket receive ended: n == 0 with room asked for, or -1
// with ECONNRESET from the channel. The socket's pending error once, as
// Linux's sock_error (a reset, a failed connect), else end of data (0).
// After shutdown(SHUT_RD) on TCP the channel end reads 0 at once, while
// Linux still delivers what arrives: the daemon keeps that in so_rcv and
// hands it over here, into iov (flags: MSG_PEEK), returning its length.
ssize_t stream_read_end(int fd, ssize_t n, const iovec* iov = nullptr, size_t iovcnt = 0, int flags = 0);
// A send on an inet stream connection (SockInfo::tcp): the channel's send
// with MSG_NOSIGNAL; EPIPE/ECONNRESET become the pending error (ECONNRESET,
// ETIMEDOUT) once, then EPIPE with SIGPIPE unless MSG_NOSIGNAL (Linux
// sk_stream_error). During a connect in progress it waits for the
// connection (EAGAIN when nonblocking).
ssize_t tcp_sendmsg(int fd, const msghdr* msg, int flags);
// A connect in progress (the connect call marked fd): wait until it ends
// (SO_SNDTIMEO: EAGAIN), as Linux's sk_stream_wait_connect; EAGAIN at once
// when nonblocking. 0 when connected or not connecting.
int tcp_wait_connected(int fd, bool nonblock);
// close() of a TCP socket with a nonzero SO_LINGER, after the descriptor is
// closed: wait while the connection is closing, at most the linger time
// (close_linger.cpp).
void linger_after_close(const SockInfo& s);

// A datagram socket's pending error was consumed (a send, getsockopt):
// drop an error record at the head of its channel.
void drop_stale_error_record(int fd);

// Datagram receive on a channel: strip the framing (DgramHeader + source
// address padded to ipc::kMaxAddr) into msg_name / the iovecs.
ssize_t dgram_recvmsg(int fd, msghdr* msg, int flags);
// Datagram send through the daemon (errors come back at once).
ssize_t dgram_sendmsg(int fd, const SockInfo& s, const msghdr* msg, int flags);

}  // namespace tunsock::shim
