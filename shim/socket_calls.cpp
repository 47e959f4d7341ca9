// Interposed socket calls that the channel cannot express: creation, names,
// connection set-up, listen/accept, options and shutdown
// (stack/ipc/PROTOCOL.md "Calls").
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common.hpp"

namespace tunsock::shim {
namespace {

constexpr socklen_t kFamilyLen = sizeof(sa_family_t);

// Put the fd the daemon sent where the application expects it, with the
// flags it asked for.
int adopt(int fd, int flags) {
  if (flags & SOCK_NONBLOCK) {
    int fl = real().fcntl(fd, F_GETFL);
    real().fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  }
  return fd;
}

bool is_pathname(const sockaddr* addr, socklen_t len) {
  return addr && len > kFamilyLen && addr->sa_family == AF_UNIX &&
         reinterpret_cast<const sockaddr_un*>(addr)->sun_path[0] != '\0';
}

// A NUL-terminated copy of a pathname name (it need not be terminated).
bool path_of(const sockaddr* addr, socklen_t len, char* out) {
  const auto* sun = reinterpret_cast<const sockaddr_un*>(addr);
  size_t n = std::min<size_t>(len - kFamilyLen, sizeof sun->sun_path);
  n = strnlen(sun->sun_path, n);
  std::memcpy(out, sun->sun_path, n);
  out[n] = '\0';
  return true;
}

// The kernel's answers before anything reaches the stack.
int check_unix_addr(const sockaddr* addr, socklen_t len) {
  if (!addr) return EFAULT;
  if (len < kFamilyLen || len > sizeof(sockaddr_un)) return EINVAL;
  if (addr->sa_family != AF_UNIX) return EINVAL;
  return 0;
}

}  // namespace

// Resolve a pathname for connect/sendto as the kernel would (unix_find_bsd).
int resolve_path(const sockaddr* addr, socklen_t len, Call& c) {
  if (!is_pathname(addr, len)) return 0;
  char path[sizeof(sockaddr_un::sun_path) + 1];
  path_of(addr, len, path);
  struct stat st;
  if (::stat(path, &st) != 0) return errno;
  if (!S_ISSOCK(st.st_mode)) return ECONNREFUSED;
  c.q.vn_dev = st.st_dev;
  c.q.vn_ino = st.st_ino;
  return 0;
}

// The name is the host's (an AF_UNIX path or abstract name the stack does
// not hold, and the host does): replace the stack socket by a kernel socket
// of the same kind (keeping the descriptor's flags) and let the kernel do the
// call. Only the local domain falls through; inet and inet6 sockets never.
int fall_through(int fd, const SockInfo& s) {
  if (s.domain != AF_UNIX) return EADDRNOTAVAIL;
  int cloexec = real().fcntl(fd, F_GETFD) & FD_CLOEXEC;
  int nb = is_nonblocking(fd);
  int k = real().socket(s.domain, s.type | SOCK_CLOEXEC | (nb ? SOCK_NONBLOCK : 0), s.protocol);
  if (k < 0) return errno;
  if (real().dup3(k, fd, cloexec ? O_CLOEXEC : 0) < 0) {
    int e = errno;
    real().close(k);
    return e;
  }
  real().close(k);
  fdtable::forget(fd);
  fdtable::set_probed(fd);
  trace("fd %d: name held by the host: now a kernel socket", fd);
  return 0;
}

}  // namespace tunsock::shim

using namespace tunsock;
using namespace tunsock::shim;

int tunsock::shim::impl::socket(int domain, int type, int protocol) {
  if (!domain_routed(domain)) return real().socket(domain, type, protocol);
  Call c;
  c.q.a = domain;
  c.q.b = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  c.q.c = protocol;
  c.cloexec = type & SOCK_CLOEXEC;
  Answer a;
  if (int e = call(ipc::Op::Socket, c, a)) return fail(e);
  // A domain the daemon serves is the stack's whatever the call: a type or
  // protocol the stack does not have fails as the kernel would say
  // (EPROTONOSUPPORT...), never a silent kernel socket.
  if (a.r.error) {
    for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
    return fail(a.r.error);
  }
  if (a.nfds != 1) return fail(ENETDOWN);
  int fd = adopt(a.fds[0], type);
  fdtable::put(fd, SockInfo{a.r.sock_id, domain, c.q.b, protocol, false});
  trace("socket(%d, %d, %d) = %d (sock %llu)", domain, type, protocol, fd, (unsigned long long)a.r.sock_id);
  return fd;
}

int tunsock::shim::impl::socketpair(int domain, int type, int protocol, int sv[2]) {
  if (!domain_routed(domain)) return real().socketpair(domain, type, protocol, sv);
  Call c;
  c.q.a = domain;
  c.q.b = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  c.q.c = protocol;
  c.cloexec = type & SOCK_CLOEXEC;
  Answer a;
  if (int e = call(ipc::Op::Socketpair, c, a)) return fail(e);
  if (a.r.error || a.nfds != 2) {
    for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
    return fail(a.r.error ? a.r.error : ENETDOWN);
  }
  sv[0] = adopt(a.fds[0], type);
  sv[1] = adopt(a.fds[1], type);
  fdtable::put(sv[0], SockInfo{a.r.sock_id, domain, c.q.b, protocol, false});
  fdtable::put(sv[1], SockInfo{uint64_t(a.r.value), domain, c.q.b, protocol, false});
  trace("socketpair(%d, %d, %d) = [%d, %d]", domain, type, protocol, sv[0], sv[1]);
  return 0;
}

int tunsock::shim::impl::bind(int fd, const sockaddr* addr, socklen_t len) {
  auto s = lookup(fd);
  if (!s) return real().bind(fd, addr, len);
  // The kernel copies the name in before any family looks at it
  // (move_addr_to_kernel): too long is EINVAL, unreadable EFAULT.
  if (len > sizeof(sockaddr_storage)) return fail(EINVAL);
  if (!addr && len) return fail(EFAULT);
  if (s->domain == AF_UNIX)
    if (int e = check_unix_addr(addr, len)) return fail(e);
  Call c;
  c.q.sock_id = s->id;
  c.q.fd_hint = uint32_t(fd) + 1;
  c.addr = addr;
  c.addrlen = len;
  char path[sizeof(sockaddr_un::sun_path) + 1];
  bool made = false;
  if (s->domain == AF_UNIX && is_pathname(addr, len)) {
    // The socket file is made here, in the application's own process (its
    // cwd, umask and permissions), as the kernel's bind would.
    path_of(addr, len, path);
    mode_t um = ::umask(0);
    ::umask(um);
    if (::mknod(path, S_IFSOCK | (0777 & ~um), 0) != 0) return fail(errno == EEXIST ? EADDRINUSE : errno);
    made = true;
    struct stat st;
    if (::stat(path, &st) != 0) {
      int e = errno;
      ::unlink(path);
      return fail(e);
    }
    c.q.vn_dev = st.st_dev;
    c.q.vn_ino = st.st_ino;
  }
  Answer a;
  int e = call(ipc::Op::Bind, c, a);
  if (!e) e = a.r.error;
  trace("bind(%d) = %d", fd, e);
  if (e) {
    if (made) ::unlink(path);
    return fail(e);
  }
  return 0;
}

int tunsock::shim::impl::listen(int fd, int backlog) {
  auto s = lookup(fd);
  if (!s) return real().listen(fd, backlog);
  Call c;
  c.q.sock_id = s->id;
  c.q.a = backlog;
  c.cloexec = true;
  Answer a;
  if (int e = call(ipc::Op::Listen, c, a)) return fail(e);
  if (a.r.error) {
    for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
    return fail(a.r.error);
  }
  if (a.nfds == 0 && a.r.value == 1) {
    // The application's own unconnected socket, bound to the channel name,
    // becomes the kernel listener the daemon delivers connections to.
    if (real().listen(fd, 4096) < 0) return -1;
  } else if (a.nfds == 1) {
    // The kernel listener replaces the channel under the same number.
    int cloexec = real().fcntl(fd, F_GETFD) & FD_CLOEXEC;
    int nb = is_nonblocking(fd);
    int k = a.fds[0];
    if (nb) real().fcntl(k, F_SETFL, real().fcntl(k, F_GETFL) | O_NONBLOCK);
    for (int opt : {SO_RCVTIMEO, SO_SNDTIMEO}) {  // set on the channel before listen: keep them
      timeval tv{};
      socklen_t tl = sizeof tv;
      if (real().getsockopt(fd, SOL_SOCKET, opt, &tv, &tl) == 0 && (tv.tv_sec || tv.tv_usec))
        real().setsockopt(k, SOL_SOCKET, opt, &tv, tl);
    }
    if (real().dup3(k, fd, cloexec ? O_CLOEXEC : 0) < 0) {
      int e = errno;
      real().close(k);
      return fail(e);
    }
    real().close(k);
  }
  fdtable::set_listening(fd);
  trace("listen(%d, %d) = 0 (sock %llu)", fd, backlog, (unsigned long long)s->id);
  return 0;
}

int tunsock::shim::wait_token(Answer& a, int timeout_ms) {
  const int tok = a.nfds > 0 ? a.fds[0] : -1;
  int w = tok >= 0 ? wait_ready(tok, POLLIN, timeout_ms, timeout_ms >= 0) : EAGAIN;
  for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
  a.nfds = 0;
  return w;
}

// A socket option timeout of a kernel socket in milliseconds, -1 for none.
int tunsock::shim::timeo_ms(int fd, int opt) {
  timeval tv{};
  socklen_t len = sizeof tv;
  if (real().getsockopt(fd, SOL_SOCKET, opt, &tv, &len) != 0 || (tv.tv_sec == 0 && tv.tv_usec == 0)) return -1;
  long ms = long(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
  return ms > 0x7fffffff ? 0x7fffffff : int(ms);
}

// The application's socket is an embryo on the connect listener: write the
// filler that keeps it from polling writable until the daemon, once the
// stack is connected, takes the embryo and reads the filler away
// (PROTOCOL.md "Connecting"). One nonblocking write of one skb.
static void write_filler(int fd) {
  int sb = 0;
  socklen_t sl = sizeof sb;
  if (real().getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, &sl) != 0) return;
  const size_t len = ipc::filler_len(sb);
  char* buf = static_cast<char*>(::calloc(1, len));
  if (!buf) return;
  ipc::ConnectFiller h{ipc::kFillerMagic, uint32_t(len)};
  std::memcpy(buf, &h, sizeof h);
  ssize_t n = real().send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  ::free(buf);
  trace("connect(%d): filler of %zu bytes: %zd", fd, len, n);
}

// A failed connect leaves the application's kernel socket connected to
// the embryo the daemon reset, where Linux lets the program connect again:
// a fresh socket of the type replaces it (dup3, keeping FD_CLOEXEC,
// O_NONBLOCK and the options the shim applies to it), bound to the
// channel name like the one the daemon made (the old one's name is free
// once it is released). 0 or an errno; *ino gets the new socket's inode.
static int renew_socket(int fd, const SockInfo& s, uint64_t* ino) {
  int type = 0;
  socklen_t tl = sizeof type;
  if (real().getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0) return errno;
  const int cloexec = real().fcntl(fd, F_GETFD) & FD_CLOEXEC;
  int k = real().socket(AF_UNIX, type | SOCK_CLOEXEC | (is_nonblocking(fd) ? SOCK_NONBLOCK : 0), 0);
  if (k < 0) return errno;
  for (int opt : {SO_SNDBUF, SO_RCVBUF}) {  // the kernel reports twice what was set
    int v = 0;
    socklen_t vl = sizeof v;
    if (real().getsockopt(fd, SOL_SOCKET, opt, &v, &vl) == 0 && v > 1) {
      v /= 2;
      real().setsockopt(k, SOL_SOCKET, opt, &v, sizeof v);
    }
  }
  for (int opt : {SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVLOWAT}) {
    char v[sizeof(timeval)];
    socklen_t vl = sizeof v;
    if (real().getsockopt(fd, SOL_SOCKET, opt, v, &vl) == 0) real().setsockopt(k, SOL_SOCKET, opt, v, vl);
  }
  if (real().dup3(k, fd, cloexec ? O_CLOEXEC : 0) < 0) {
    int e = errno;
    real().close(k);
    return e;
  }
  real().close(k);
  sockaddr_un name;
  socklen_t nl = ipc::channel_name(instance(), s.id, &name);
  if (real().bind(fd, reinterpret_cast<sockaddr*>(&name), nl) != 0)
    trace("connect(%d): renewed socket not bound: errno %d", fd, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) return errno;
  *ino = st.st_ino;
  if (auto cur = fdtable::get(fd)) fdtable::put(fd, *cur);  // the entry follows the new inode
  fdtable::set_connecting(fd, false);
  trace("connect(%d): socket renewed (a failed connect, or AF_UNSPEC)", fd);
  return 0;
}

// The daemon's connect reply says the failed connect it reports spent the
// socket (c 1): renew it now, as Linux's connect disconnects the socket
// then (it polls OUT|HUP and may connect again), and tell the daemon.
static void renew_if_spent(int fd, const SockInfo& s, const Answer& a) {
  if (a.r.c != 1) return;
  uint64_t ino = 0;
  if (renew_socket(fd, s, &ino)) return;
  Call c;
  c.q.sock_id = s.id;
  c.q.flags = ipc::kRenewed;
  c.q.value = int64_t(ino);
  Answer r;
  (void)call(ipc::Op::Connect, c, r);
}

// A blocking connect in progress: wait until the application's end polls
// writable (connected: the daemon took the filler) or shows the failure
// (POLLERR|POLLHUP), blocked in poll with the control connection, never
// sleeping. SO_SNDTIMEO bounds it (Linux: EINPROGRESS then); a signal ends
// it with EINTR unless the kernel would restart connect (SA_RESTART).
static int wait_connected(int fd, const SockInfo& s, Call& c) {
  const int timeo = timeo_ms(fd, SO_SNDTIMEO);
  int w = wait_ready(fd, POLLOUT, timeo, timeo >= 0);
  if (w == ETIMEDOUT) return EINPROGRESS;
  if (w) return w;
  fdtable::set_connecting(fd, false);
  // How the connect ended (not a reset that may have followed it): the
  // daemon's answer to a connect after one in progress, as Linux's.
  Answer a;
  if (int e = call(ipc::Op::Connect, c, a)) return e;
  for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
  int k = 0;  // the channel's own kernel error (a reset embryo) goes with it
  socklen_t kl = sizeof k;
  if (a.r.error) (void)real().getsockopt(fd, SOL_SOCKET, SO_ERROR, &k, &kl);
  renew_if_spent(fd, s, a);
  return a.r.error;
}

// accept on a stack listener: a real accept on the kernel listener, then
// Accepted so that the daemon hands the connection over. A blocking caller
// waits in poll() with the control connection, so that the daemon's death
// ends the wait instead of leaving it blocked forever.
int tunsock::shim::impl::accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  auto s = lookup(fd);
  if (!s || !s->listening) {
    if (s) return fail(EINVAL);
    return real().accept4(fd, addr, len, flags);
  }
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return fail(EINVAL);
  if (addr && !len) return fail(EFAULT);
  const bool blocking = !is_nonblocking(fd);
  const int timeo = blocking ? timeo_ms(fd, SO_RCVTIMEO) : -1;
  for (;;) {
    if (blocking) {
      int w = wait_ready(fd, POLLIN, timeo, timeo >= 0);
      if (w == ETIMEDOUT) return fail(EAGAIN);
      if (w) return fail(w);
    }
    int nfd = real().accept4(fd, nullptr, nullptr, flags);
    if (nfd < 0) return -1;
    // Which stack socket is it? Its channel name says.
    sockaddr_un sun{};
    socklen_t sl = sizeof sun;
    uint64_t inst = 0, id = 0;
    if (real().getpeername(nfd, reinterpret_cast<sockaddr*>(&sun), &sl) != 0 ||
        !ipc::parse_channel_name(&sun, sl, &inst, &id)) {
      real().close(nfd);
      if (!blocking) return fail(EAGAIN);
      continue;  // not a delivery of the daemon's: nothing to hand over
    }
    Call c;
    c.q.sock_id = id;
    c.q.fd_hint = uint32_t(nfd) + 1;
    Answer a;
    if (int e = call(ipc::Op::Accepted, c, a)) {
      real().close(nfd);
      return fail(e);
    }
    if (a.r.error) {
      real().close(nfd);
      if (!blocking) return fail(EAGAIN);
      continue;  // gone meanwhile (its peer gave up): take the next one
    }
    fdtable::forget(nfd);
    fdtable::put(nfd, SockInfo{id, a.r.a, a.r.b, a.r.c, false});
    // Linux's accepted socket inherits the listener's SO_LINGER and
    // SO_OOBINLINE (sk_clone); the stack's does, the channel end must too.
    if (s->linger_s) fdtable::set_linger(nfd, s->linger_s);
    if (s->recverr) fdtable::set_recverr(nfd, true);  // inet_sk's recverr, cloned too
    if (s->oobinline) {
      int one = 1;
      real().setsockopt(nfd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
      fdtable::set_oobinline(nfd, true);
    }
    if (a.r.value > 0) {  // the channel's buffer, tied to the socket's SO_SNDBUF (TCP)
      int v = int(a.r.value);
      real().setsockopt(nfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    }
    if (addr) copy_addr(&a.addr, a.addrlen, addr, len);
    trace("accept4(%d, flags %#x) = %d (sock %llu)", fd, flags, nfd, (unsigned long long)id);
    return nfd;
  }
}

// A TCP listener shut down for reading or connected to AF_UNSPEC stops
// listening (Linux): the daemon's unconnected socket k replaces the kernel
// listener under the same number, keeping FD_CLOEXEC and O_NONBLOCK, bound
// to the channel name once the listener is gone.
static int unlistened(int fd, const SockInfo& s, int k) {
  const int cloexec = real().fcntl(fd, F_GETFD) & FD_CLOEXEC;
  if (is_nonblocking(fd)) real().fcntl(k, F_SETFL, real().fcntl(k, F_GETFL) | O_NONBLOCK);
  const int r = real().dup3(k, fd, cloexec ? O_CLOEXEC : 0);
  const int e = errno;
  real().close(k);
  if (r < 0) return fail(e);
  sockaddr_un name;
  socklen_t nl = ipc::channel_name(instance(), s.id, &name);
  if (real().bind(fd, reinterpret_cast<sockaddr*>(&name), nl) != 0) trace("unlistened(%d): not bound: errno %d", fd, errno);
  SockInfo n = s;
  n.listening = false;
  fdtable::put(fd, n);
  trace("unlistened(%d): no longer listening", fd);
  return 0;
}

int tunsock::shim::impl::accept(int fd, sockaddr* addr, socklen_t* len) { return impl::accept4(fd, addr, len, 0); }

int tunsock::shim::impl::connect(int fd, const sockaddr* addr, socklen_t len) {
  auto s = lookup(fd);
  if (!s) return real().connect(fd, addr, len);
  if (len > sizeof(sockaddr_storage)) return fail(EINVAL);
  if (!addr) return fail(EFAULT);
  Call c;
  c.q.sock_id = s->id;
  // Where this process holds the socket: a reset reaches its end through
  // that number (app_fd.cpp) instead of a scan of /proc/PID/fd.
  c.q.fd_hint = uint32_t(fd) + 1;
  c.addr = addr;
  c.addrlen = len;
  if (s->domain == AF_UNIX && !(len >= kFamilyLen && addr->sa_family == AF_UNSPEC)) {
    if (int e = check_unix_addr(addr, len)) return fail(e);
    if (len <= kFamilyLen) return fail(EINVAL);
    if (int e = resolve_path(addr, len, c)) return fail(e);
  }
  const bool nb = is_nonblocking(fd);
  if (nb) c.q.flags |= ipc::kNonblock;
  c.cloexec = true;  // a wait token
  for (;;) {
    Answer a;
    if (int e = call(ipc::Op::Connect, c, a)) return fail(e);
    int e = a.r.error;
    trace("connect(%d) = %d", fd, e);
    if (e == ipc::kFallThrough) {
      if (int f = fall_through(fd, *s)) return fail(f);
      return real().connect(fd, addr, len);
    }
    if (e == ipc::kRenewSocket && c.q.value == 0) {
      uint64_t ino = 0;
      if (int f = renew_socket(fd, *s, &ino)) return fail(f);
      c.q.value = int64_t(ino);
      continue;
    }
    if (e == ipc::kRenewSocket) return fail(ENOBUFS);
    if (e == 0 && a.nfds == 1 && s->listening) return unlistened(fd, *s, a.fds[0]);  // AF_UNSPEC
    renew_if_spent(fd, *s, a);
    if (e == EAGAIN && !nb) {
      // The listener's backlog is full: a blocking connect waits for room
      // on the daemon's wait token (SO_SNDTIMEO bounds it, as Linux's
      // unix_wait_for_peer), then tries again.
      int w = wait_token(a, timeo_ms(fd, SO_SNDTIMEO));
      if (w == ETIMEDOUT) return fail(EAGAIN);
      if (w) return fail(w);
      continue;
    }
    if ((e == 0 || e == EINPROGRESS) && a.r.value == 1 && a.addrlen) {
      // Connect the application's kernel socket to the daemon's connect
      // listener, which makes it the channel (the listener has room for
      // it: this never waits).
      if (real().connect(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.addrlen) < 0) {
        trace("connect(%d): channel: errno %d", fd, errno);
        // A connect in progress that failed meanwhile (the listener is gone).
        if (e == EINPROGRESS)
          if (int f = take_so_error(fd, *s)) return fail(f);
        return fail(ENOBUFS);
      }
      if (e == EINPROGRESS) {
        // A handshake in progress: an embryo the daemon does not accept yet.
        write_filler(fd);
        fdtable::set_connecting(fd, true);
        if (nb) {
          // One more request: a handshake the stack finished meanwhile (its
          // loopback) is taken now, so the fd polls as Linux's does when
          // connect returns (writable, or the failure).
          Call q2;
          q2.q.sock_id = s->id;
          Answer a2;
          (void)call(ipc::Op::Identify, q2, a2);
          return fail(EINPROGRESS);
        }
        e = wait_connected(fd, *s, c);
        return e ? fail(e) : 0;
      }
      // Any request lets the daemon take the channel before connect returns,
      // so what the peer sends from now on reaches this fd at once.
      Call q2;
      q2.q.sock_id = s->id;
      Answer a2;
      (void)call(ipc::Op::Identify, q2, a2);
    }
    if (e == EINPROGRESS && !nb) e = wait_connected(fd, *s, c);
    return e ? fail(e) : 0;
  }
}

int tunsock::shim::impl::shutdown(int fd, int how) {
  auto s = lookup(fd);
  if (!s) return real().shutdown(fd, how);
  Call c;
  c.q.sock_id = s->id;
  c.q.a = how;
  c.cloexec = true;  // a listener's replacement
  Answer a;
  if (int e = call(ipc::Op::Shutdown, c, a)) return fail(e);
  trace("shutdown(%d, %d) = %d", fd, how, a.r.error);
  if (!a.r.error && a.nfds == 1 && s->listening) return unlistened(fd, *s, a.fds[0]);
  // An unconnected inet socket: shut down all the same, and ENOTCONN (Linux).
  if (a.r.error && a.r.value == 1) real().shutdown(fd, how);
  if (a.r.error) return fail(a.r.error);
  // The daemon sees SHUT_WR as EOF on the channel, after the data before it.
  // A listener is the kernel's: shut down, it polls and accepts as Linux's
  // (POLLHUP, accept EINVAL).
  real().shutdown(fd, how);
  return 0;
}

static int get_name(int fd, sockaddr* addr, socklen_t* len, bool peer) {
  auto s = lookup(fd);
  if (!s) return peer ? real().getpeername(fd, addr, len) : real().getsockname(fd, addr, len);
  if (!len) return fail(EFAULT);
  if (int(*len) < 0) return fail(EINVAL);
  Call c;
  c.q.sock_id = s->id;
  Answer a;
  if (int e = call(peer ? ipc::Op::GetPeerName : ipc::Op::GetSockName, c, a)) return fail(e);
  trace("%s(%d) = %d (addrlen %u)", peer ? "getpeername" : "getsockname", fd, a.r.error, unsigned(a.addrlen));
  if (a.r.error) return fail(a.r.error);
  copy_addr(&a.addr, a.addrlen, addr, len);
  return 0;
}

int tunsock::shim::impl::getsockname(int fd, sockaddr* addr, socklen_t* len) { return get_name(fd, addr, len, false); }
int tunsock::shim::impl::getpeername(int fd, sockaddr* addr, socklen_t* len) { return get_name(fd, addr, len, true); }

int tunsock::shim::impl::getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
  auto s = lookup(fd);
  if (!s) return real().getsockopt(fd, level, name, val, len);
  if (!len) return fail(EFAULT);
  if (int(*len) < 0) return fail(EINVAL);
  if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO))
    return real().getsockopt(fd, level, name, val, len);  // kept on the channel (below)
  if (level == SOL_SOCKET && name == SO_ERROR && !s->datagrams() && !s->listening) {
    // The daemon's so_error, consumed; the channel's own kernel error (a
    // failed connect's embryo, a reset) is cleared with it: reported once.
    if (!val) return fail(EFAULT);
    int err = take_so_error(fd, *s);
    socklen_t n = std::min<socklen_t>(*len, sizeof err);
    std::memcpy(val, &err, n);
    *len = n;
    trace("getsockopt(%d, SO_ERROR) = %d", fd, err);
    return 0;
  }
  Call c;
  c.q.sock_id = s->id;
  c.q.a = level;
  c.q.b = name;
  c.q.c = int(*len);
  Answer a;
  if (int e = call(ipc::Op::GetSockOpt, c, a)) return fail(e);
  trace("getsockopt(%d, %d, %d) = %d", fd, level, name, a.r.error);
  if (a.r.error) return fail(a.r.error);
  if (level == SOL_SOCKET && name == SO_ERROR && s->datagrams()) drop_stale_error_record(fd);
  socklen_t n = std::min<socklen_t>(*len, socklen_t(a.payload.size()));
  if (n && !val) return fail(EFAULT);
  std::memcpy(val, a.payload.data(), n);
  *len = n;
  return 0;
}

int tunsock::shim::impl::setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
  auto s = lookup(fd);
  if (!s) return real().setsockopt(fd, level, name, val, len);
  if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
    // Blocking reads and writes happen on the channel: it keeps the timeouts.
    return real().setsockopt(fd, level, name, val, len);
  }
  Call c;
  c.q.sock_id = s->id;
  c.q.a = level;
  c.q.b = name;
  c.payload = val;
  c.paylen = val ? len : 0;
  if (val == nullptr && len > 0) return fail(EFAULT);
  Answer a;
  if (int e = call(ipc::Op::SetSockOpt, c, a)) return fail(e);
  trace("setsockopt(%d, %d, %d) = %d", fd, level, name, a.r.error);
  if (a.r.error) return fail(a.r.error);
  // SO_OOBINLINE: the daemon writes the urgent byte as the channel's own
  // out-of-band byte; the channel end decides whether reads skip it.
  if (level == SOL_SOCKET && (name == SO_RCVLOWAT || name == SO_OOBINLINE) && !s->listening)
    real().setsockopt(fd, level, name, val, len);
  if (level == SOL_SOCKET && name == SO_OOBINLINE && val && len >= sizeof(int)) {
    int v;
    std::memcpy(&v, val, sizeof v);
    fdtable::set_oobinline(fd, v != 0);
  }
  if (((level == SOL_IP && name == IP_RECVERR) || (level == SOL_IPV6 && name == IPV6_RECVERR)) && val && len > 0) {
    int v = 0;  // Linux takes an int or a single byte
    std::memcpy(&v, val, std::min<size_t>(len, sizeof v));
    fdtable::set_recverr(fd, v != 0);
  }
  if (level == SOL_SOCKET && name == SO_LINGER && val && len >= sizeof(struct linger)) {
    struct linger l;  // a nonzero linger makes close() wait (close in io_calls.cpp)
    std::memcpy(&l, val, sizeof l);
    fdtable::set_linger(fd, l.l_onoff && l.l_linger > 0 ? l.l_linger : 0);
  }
  if (a.r.value > 0 && !s->listening) {  // the channel's buffer follows SO_SNDBUF (TCP)
    int v = int(a.r.value);
    real().setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  }
  return 0;
}
