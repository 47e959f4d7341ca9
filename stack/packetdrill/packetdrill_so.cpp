// libtunsock-packetdrill.so: packetdrill's shared-object interface over the
// stack (pd_interface.hpp, pd_host.hpp). Each entry point maps one system
// call onto the socket layer's so* routines with Linux's conventions: -1 and
// errno on failure; a blocking socket waits in Host::block() where the so*
// routine answers EWOULDBLOCK (the so* routines never sleep themselves).
//
//   packetdrill --so_filename=build/lib/libtunsock-packetdrill.so
//     --so_flags=ip=198.18.0.1/16 --local_ip=198.18.0.1 script.pkt
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kern/mbuf.hpp"
#include "packetdrill/pd_host.hpp"
#include "packetdrill/pd_interface.hpp"

namespace tunsock::pd {
namespace {

Host& H(void* u) { return *static_cast<Host*>(u); }

int fail(int e) {
  errno = e;
  return -1;
}

// The socket behind fd, or nullptr with errno EBADF.
Host::Fd* lookup(Host& h, int fd) {
  Host::Fd* f = h.fd(fd);
  if (!f) errno = EBADF;
  return f;
}

void copy_out_addr(const SockAddr& a, sockaddr* addr, socklen_t* addrlen) {
  if (!addr || !addrlen) return;
  std::memcpy(addr, &a.ss, std::min<socklen_t>(*addrlen, a.len));
  *addrlen = a.len;
}

std::vector<std::byte> gather(const iovec* iov, int n) {
  std::vector<std::byte> v;
  for (int i = 0; i < n; ++i) {
    auto* p = static_cast<const std::byte*>(iov[i].iov_base);
    v.insert(v.end(), p, p + iov[i].iov_len);
  }
  return v;
}

void scatter(const std::byte* p, size_t n, const iovec* iov, int cnt) {
  for (int i = 0; i < cnt && n; ++i) {
    size_t k = std::min(n, iov[i].iov_len);
    std::memcpy(iov[i].iov_base, p, k);
    p += k;
    n -= k;
  }
}

size_t iov_len(const iovec* iov, int n) {
  size_t t = 0;
  for (int i = 0; i < n; ++i) t += iov[i].iov_len;
  return t;
}

bool is_stream(const Socket& so) { return so.so_type == SOCK_STREAM; }

// --- socket, bind, listen, accept, connect -------------------------------

int pd_socket(void* u, int domain, int type, int protocol) {
  Host::Call c(H(u));
  Socket* so = nullptr;
  if (int e = socreate(H(u).stack(), domain, &so, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol, Td{}))
    return fail(e);
  int fd = H(u).fd_alloc(so, type & SOCK_NONBLOCK);
  if (fd < 0) soclose(*so);
  return fd;
}

int pd_bind(void* u, int fd, const sockaddr* addr, socklen_t len) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  if (int e = sobind(*f->so, SockAddr::from(addr, len), Td{})) return fail(e);
  return 0;
}

int pd_listen(void* u, int fd, int backlog) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  if (int e = solisten(*f->so, backlog, Td{})) return fail(e);
  return 0;
}

int pd_accept(void* u, int fd, sockaddr* addr, socklen_t* addrlen) {
  Host& h = H(u);
  Host::Call c(h);
  Host::Fd* f = lookup(h, fd);
  if (!f) return -1;
  Socket* head = f->so;
  int e = soaccept_check(*head);
  if (e == EWOULDBLOCK && !f->nonblock) {
    h.block(c, [head] { return soaccept_check(*head) != EWOULDBLOCK; });
    e = soaccept_check(*head);
  }
  if (e) {
    if (e == head->so_error) head->so_error = 0;
    return fail(e);
  }
  Socket* so = soaccept_dequeue(*head);
  SockAddr peer;
  if (int e2 = soaccept(*so, &peer)) {
    soclose(*so);
    return fail(e2);
  }
  int nfd = h.fd_alloc(so, false);
  if (nfd < 0) {
    soclose(*so);
    return -1;
  }
  copy_out_addr(peer, addr, addrlen);
  return nfd;
}

int pd_connect(void* u, int fd, const sockaddr* addr, socklen_t len) {
  Host& h = H(u);
  Host::Call c(h);
  Host::Fd* f = lookup(h, fd);
  if (!f) return -1;
  Socket* so = f->so;
  if (f->connect_pending && !(so->so_state & SS_ISCONNECTING)) {
    // Linux __inet_stream_connect: the first connect after an asynchronous
    // one completes reports its outcome (0, or the error), then EISCONN.
    f->connect_pending = false;
    if (so->so_error) {
      int e = so->so_error;
      so->so_error = 0;
      return fail(e);
    }
    if (so->so_state & SS_ISCONNECTED) return 0;
    return fail(ECONNABORTED);  // failed, its error already taken by SO_ERROR
  }
  if (int e = soconnect(*so, SockAddr::from(addr, len), Td{})) return fail(e);
  if (!(so->so_state & SS_ISCONNECTING)) return 0;
  if (f->nonblock) {
    f->connect_pending = true;
    return fail(EINPROGRESS);
  }
  h.block(c, [so] { return !(so->so_state & SS_ISCONNECTING) || so->so_error; });
  if (so->so_error) {
    int e = so->so_error;
    so->so_error = 0;
    return fail(e);
  }
  return 0;
}

// --- receiving ------------------------------------------------------------

// One receive with Linux's blocking rules: MSG_DONTWAIT or O_NONBLOCK say
// EAGAIN at once, otherwise wait until the socket is readable.
ssize_t do_recv(Host& h, Host::Call& c, Host::Fd& f, std::byte* buf, size_t len, int flags, SockAddr* from) {
  Socket* so = f.so;
  const bool nb = f.nonblock || (flags & MSG_DONTWAIT);
  RecvArgs a;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    a = RecvArgs{};
    a.from = from;
    a.buf = buf;
    a.len = len;
    a.flags = flags & (MSG_PEEK | MSG_WAITALL | MSG_TRUNC | MSG_DONTWAIT | MSG_OOB);
    int e = soreceive(*so, a);
    if (e == 0) break;
    if (e != EWOULDBLOCK || nb) return fail(e);
    // soreceive overwrites a.flags with what it reports: wait on the caller's flags.
    const bool waitall = flags & MSG_WAITALL;
    h.block(c, [so, waitall, len] {
      return soreadable(*so) && (!waitall || so->so_rcv.sb_cc >= len || so->so_rcv.sb_cc >= so->so_rcv.sb_hiwat ||
                                 so->so_error || (so->so_rcv.sb_state & SBS_CANTRCVMORE));
    });
  }
  if ((flags & MSG_TRUNC) && !is_stream(*so)) return ssize_t(a.full);
  return ssize_t(a.done);
}

ssize_t pd_recvfrom(void* u, int fd, void* buf, size_t len, int flags, sockaddr* src, socklen_t* srclen) {
  Host& h = H(u);
  Host::Call c(h);
  Host::Fd* f = lookup(h, fd);
  if (!f) return -1;
  SockAddr from;
  ssize_t n = do_recv(h, c, *f, static_cast<std::byte*>(buf), len, flags, &from);
  if (n >= 0 && src && srclen) {
    if (from.empty()) *srclen = 0;
    else copy_out_addr(from, src, srclen);
  }
  return n;
}

ssize_t pd_recv(void* u, int fd, void* buf, size_t len, int flags) {
  return pd_recvfrom(u, fd, buf, len, flags, nullptr, nullptr);
}

ssize_t pd_read(void* u, int fd, void* buf, size_t len) { return pd_recvfrom(u, fd, buf, len, 0, nullptr, nullptr); }

ssize_t pd_readv(void* u, int fd, const iovec* iov, int n) {
  std::vector<std::byte> tmp(iov_len(iov, n));
  ssize_t got = pd_recvfrom(u, fd, tmp.data(), tmp.size(), 0, nullptr, nullptr);
  if (got > 0) scatter(tmp.data(), size_t(got), iov, n);
  return got;
}

ssize_t pd_recvmsg(void* u, int fd, msghdr* msg, int flags) {
  std::vector<std::byte> tmp(iov_len(msg->msg_iov, int(msg->msg_iovlen)));
  socklen_t nl = msg->msg_namelen;
  ssize_t got = pd_recvfrom(u, fd, tmp.data(), tmp.size(), flags, static_cast<sockaddr*>(msg->msg_name),
                            msg->msg_name ? &nl : nullptr);
  if (got < 0) return got;
  scatter(tmp.data(), std::min(size_t(got), tmp.size()), msg->msg_iov, int(msg->msg_iovlen));
  msg->msg_namelen = msg->msg_name ? nl : 0;
  msg->msg_controllen = 0;
  msg->msg_flags = size_t(got) > tmp.size() ? MSG_TRUNC : 0;
  return got;
}

// --- sending --------------------------------------------------------------

// Linux's rules: a datagram goes whole or not at all; a stream takes what
// fits (nonblocking: that much, or EAGAIN; blocking: all of it, waiting for
// room, or what went before an error).
ssize_t do_send(Host& h, Host::Call& c, Host::Fd& f, const std::byte* buf, size_t len, int flags,
                const SockAddr* to) {
  Socket* so = f.so;
  const bool nb = f.nonblock || (flags & MSG_DONTWAIT);
  const int sflags = flags & (MSG_OOB | MSG_EOR);
  size_t sent = 0;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    size_t n = len - sent;
    if (is_stream(*so) && (so->so_state & SS_ISCONNECTED)) {
      long space = sosendspace(*so);
      if (space > 0) n = std::min(n, size_t(space));
    }
    mbuf* m = n ? m_devget(buf + sent, int(n), M_NOWAIT, true) : nullptr;
    if (n && !m) return sent ? ssize_t(sent) : fail(ENOBUFS);
    int e = sosend(*so, to, m, nullptr, sflags, Td{});
    if (e == 0) {
      sent += n;
      if (sent == len || !is_stream(*so) || nb) return ssize_t(sent);
      continue;
    }
    if (e != EWOULDBLOCK || nb) return sent ? ssize_t(sent) : fail(e);
    // A stream waits for any room; a datagram for room for all of it.
    const long need = is_stream(*so) ? 1 : long(n);
    h.block(c, [so, need] {
      return (sowriteable(*so) && sosendspace(*so) >= need) || so->so_error ||
             (so->so_snd.sb_state & SBS_CANTSENDMORE) ||
             (is_stream(*so) && !(so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING)));
    });
  }
  return ssize_t(sent);
}

ssize_t pd_sendto(void* u, int fd, const void* buf, size_t len, int flags, const sockaddr* to, socklen_t tolen) {
  Host& h = H(u);
  Host::Call c(h);
  Host::Fd* f = lookup(h, fd);
  if (!f) return -1;
  SockAddr a;
  if (to) a = SockAddr::from(to, tolen);
  return do_send(h, c, *f, static_cast<const std::byte*>(buf), len, flags, to ? &a : nullptr);
}

ssize_t pd_send(void* u, int fd, const void* buf, size_t len, int flags) {
  return pd_sendto(u, fd, buf, len, flags, nullptr, 0);
}

ssize_t pd_write(void* u, int fd, const void* buf, size_t len) { return pd_sendto(u, fd, buf, len, 0, nullptr, 0); }

ssize_t pd_writev(void* u, int fd, const iovec* iov, int n) {
  auto v = gather(iov, n);
  return pd_sendto(u, fd, v.data(), v.size(), 0, nullptr, 0);
}

ssize_t pd_sendmsg(void* u, int fd, const msghdr* msg, int flags) {
  if (msg->msg_controllen) return fail(EOPNOTSUPP);
  auto v = gather(msg->msg_iov, int(msg->msg_iovlen));
  return pd_sendto(u, fd, v.data(), v.size(), flags, static_cast<const sockaddr*>(msg->msg_name),
                   msg->msg_namelen);
}

// --- descriptors and options --------------------------------------------

int pd_fcntl(void* u, int fd, int cmd, ...) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  switch (cmd) {
    case F_GETFL: return O_RDWR | (f->nonblock ? O_NONBLOCK : 0);
    case F_SETFL: f->nonblock = arg & O_NONBLOCK; return 0;
    case F_GETFD: return 0;
    case F_SETFD: return 0;
    default: return fail(EINVAL);
  }
}

int pd_ioctl(void* u, int fd, unsigned long req, ...) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  va_list ap;
  va_start(ap, req);
  int* arg = va_arg(ap, int*);
  va_end(ap);
  Socket& so = *f->so;
  switch (req) {
    case FIONBIO: f->nonblock = *arg != 0; return 0;
    case FIONREAD:  // = SIOCINQ: a datagram socket says the first datagram's length
      if (!is_stream(so) && so.so_rcv.sb_mb) {
        int n = 0;
        for (const mbuf* m = so.so_rcv.sb_mb; m; m = m->m_next)
          if (m->m_type == MType::Data) n += m->m_len;
        *arg = n;
      } else {
        *arg = int(so.so_rcv.sb_cc);
      }
      return 0;
    case TIOCOUTQ: *arg = int(so.so_snd.sb_cc); return 0;  // = SIOCOUTQ
    default: return fail(ENOTTY);
  }
}

int pd_close(void* u, int fd) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  Socket* so = f->so;
  H(u).fd_free(fd);
  soclose(*so);
  return 0;
}

int pd_shutdown(void* u, int fd, int how) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  if (int e = soshutdown(*f->so, how)) return fail(e);
  return 0;
}

int pd_getsockopt(void* u, int fd, int level, int name, void* val, socklen_t* len) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = val;
  s.sopt_valsize = *len;
  if (int e = sogetopt(*f->so, s)) return fail(e);
  *len = socklen_t(s.sopt_valsize);
  return 0;
}

int pd_setsockopt(void* u, int fd, int level, int name, const void* val, socklen_t len) {
  Host::Call c(H(u));
  Host::Fd* f = lookup(H(u), fd);
  if (!f) return -1;
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = const_cast<void*>(val);
  s.sopt_valsize = len;
  if (int e = sosetopt(*f->so, s)) return fail(e);
  return 0;
}

// poll(2) as Linux's tcp_poll/datagram_poll report a socket.
short revents_of(const Socket& so, short want) {
  short r = 0;
  const bool rdhup = so.so_rcv.sb_state & SBS_CANTRCVMORE;
  const bool wrdown = so.so_snd.sb_state & SBS_CANTSENDMORE;
  // Linux datagram_poll: readable only with something queued (an error
  // alone is POLLERR); tcp_poll: readable as soreadable() says.
  const bool readable = is_stream(so) ? soreadable(so) : (so.so_rcv.sb_mb != nullptr || rdhup);
  if (readable) r |= POLLIN | POLLRDNORM;
  if (sowriteable(so)) r |= POLLOUT | POLLWRNORM;
  if (rdhup) r |= POLLRDHUP;
  if (so.so_error) r |= POLLERR;
  if (rdhup && wrdown) r |= POLLHUP;
  if (is_stream(so) && !(so.so_options & SOF_ACCEPTCONN) &&
      !(so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) && !rdhup)
    r |= POLLHUP | POLLOUT;  // Linux: an unconnected stream socket is TCP_CLOSE
  return short(r & (want | POLLERR | POLLHUP | POLLNVAL));
}

int pd_poll(void* u, pollfd* fds, nfds_t n, int timeout) {
  Host& h = H(u);
  Host::Call c(h);
  auto scan = [&] {
    int ready = 0;
    for (nfds_t i = 0; i < n; ++i) {
      Host::Fd* f = fds[i].fd < 0 ? nullptr : h.fd(fds[i].fd);
      fds[i].revents = fds[i].fd < 0 ? 0 : f ? revents_of(*f->so, fds[i].events) : short(POLLNVAL);
      ready += fds[i].revents != 0;
    }
    return ready;
  };
  int ready = scan();
  if (ready || timeout == 0) return ready;
  Time until = timeout < 0 ? Time::max() : h.stack().now() + std::chrono::milliseconds(timeout);
  h.block(c, [&] { return scan() > 0; }, until);
  return scan();
}

int pd_epoll_create(void*, int) { return fail(ENOSYS); }
int pd_epoll_ctl(void*, int, int, int, epoll_event*) { return fail(ENOSYS); }
int pd_epoll_wait(void*, int, epoll_event*, int, int) { return fail(ENOSYS); }
int pd_pipe(void*, int*) { return fail(ENOSYS); }
int pd_splice(void*, int, loff_t*, int, loff_t*, size_t, unsigned) { return fail(ENOSYS); }

// --- the link and the clock -------------------------------------------------

int pd_netdev_send(void* u, const void* buf, size_t n) { return H(u).netdev_send(buf, n); }
int pd_netdev_receive(void* u, void* buf, size_t* n, long long* t) { return H(u).netdev_receive(buf, n, t); }
int pd_usleep(void* u, useconds_t n) {
  H(u).usleep(int64_t(n));
  return 0;
}
int pd_gettimeofday(void* u, timeval* tv, struct timezone*) {
  int64_t t = H(u).gettimeofday_us();
  tv->tv_sec = t / 1'000'000;
  tv->tv_usec = t % 1'000'000;
  return 0;
}
void pd_free(void* u) { delete static_cast<Host*>(u); }

}  // namespace
}  // namespace tunsock::pd

extern "C" __attribute__((visibility("default"))) void packetdrill_interface_init(const char* flags,
                                                                                   tunsock::pd::Interface* ifc) {
  using namespace tunsock::pd;
  Config cfg;
  std::string err;
  if (!parse_flags(flags ? flags : "", &cfg, &err)) {
    // The interface has no way to fail: say why and stop, as packetdrill
    // itself does on a bad option.
    std::fprintf(stderr, "tunsock-packetdrill: --so_flags: %s\n", err.c_str());
    std::exit(EXIT_FAILURE);
  }
  *ifc = Interface{};
  ifc->userdata = new Host(cfg);
  ifc->free = pd_free;
  ifc->socket = pd_socket;
  ifc->bind = pd_bind;
  ifc->listen = pd_listen;
  ifc->accept = pd_accept;
  ifc->connect = pd_connect;
  ifc->read = pd_read;
  ifc->readv = pd_readv;
  ifc->recv = pd_recv;
  ifc->recvfrom = pd_recvfrom;
  ifc->recvmsg = pd_recvmsg;
  ifc->write = pd_write;
  ifc->writev = pd_writev;
  ifc->send = pd_send;
  ifc->sendto = pd_sendto;
  ifc->sendmsg = pd_sendmsg;
  ifc->fcntl = pd_fcntl;
  ifc->ioctl = pd_ioctl;
  ifc->close = pd_close;
  ifc->shutdown = pd_shutdown;
  ifc->getsockopt = pd_getsockopt;
  ifc->setsockopt = pd_setsockopt;
  ifc->poll = pd_poll;
  ifc->netdev_send = pd_netdev_send;
  ifc->netdev_receive = pd_netdev_receive;
  ifc->usleep = pd_usleep;
  ifc->gettimeofday = pd_gettimeofday;
  ifc->epoll_create = pd_epoll_create;
  ifc->epoll_ctl = pd_epoll_ctl;
  ifc->epoll_wait = pd_epoll_wait;
  ifc->pipe = pd_pipe;
  ifc->splice = pd_splice;
}
