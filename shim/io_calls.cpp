// Interposed data and descriptor calls. Stream and seqpacket data flows
// through the channel untouched (the application's fd is its end); only
// datagram sockets need the shim here: their channel carries framed records
// inbound, and sends go through the daemon so errors come back at once.
#include <fcntl.h>
#include <poll.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <csignal>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "common.hpp"

namespace tunsock::shim {
namespace {

constexpr size_t kFrame = ipc::kDgramFrame;

std::optional<SockInfo> dgram_of(int fd) {
  if (!fdtable::framed(fd)) return std::nullopt;  // lock-free: every stream read/write passes here
  auto s = lookup(fd);  // resolves an inherited descriptor on first use
  if (!s || !s->datagrams()) return std::nullopt;
  return s;
}

// Descriptors the application copies keep pointing at the same socket.
void copy_entry(int from, int to) {
  if (to < 0) return;
  if (auto s = fdtable::get(from)) fdtable::put(to, *s);
  else fdtable::forget(to);
}

// Asked before the descriptor goes. A listener's last close is no hang-up
// the daemon can see; a datagram channel carries nothing from the program
// to the daemon; a stream or seqpacket channel may still hold what the
// program wrote just before close: hint only once the daemon has read all
// of it (SIOCOUTQ 0), else its EOF path closes the socket after the data.
// TCP always: the daemon reads what is left, then the hang-up, before it
// replies (op_closed), so the FIN leaves right behind the last data before
// close returns, as Linux queues both within close; left to the hang-up's
// own wake-up, the peer could see the data alone for half a millisecond.
bool needs_close_hint(int fd, const SockInfo& s) {
  if (s.listening || s.datagrams() || s.tcp()) return true;
  int queued = -1;
  return real().ioctl(fd, SIOCOUTQ, &queued) == 0 && queued == 0;
}

// FIONREAD on a stream or seqpacket socket: Linux counts what the peer has
// written the moment it wrote it. The daemon first moves what the peer's
// channel holds on into ours, and reports what it still keeps (a full
// channel); the kernel counts what our channel holds.
int stream_fionread(int fd, const SockInfo& s, void* arg) {
  Call c;
  c.q.sock_id = s.id;
  c.q.a = int(FIONREAD);
  Answer a;
  long held = 0;
  if (call(ipc::Op::Ioctl, c, a) == 0 && a.r.error == 0) held = long(a.r.value);
  int v = 0;
  if (real().ioctl(fd, FIONREAD, &v) < 0) return -1;
  v = int(std::min<long>(long(v) + held, 0x7fffffff));
  if (!arg) return fail(EFAULT);
  std::memcpy(arg, &v, sizeof v);
  return 0;
}

void closed_hint(const SockInfo& s) {
  Call c;
  c.q.sock_id = s.id;
  Answer a;
  (void)call(ipc::Op::Closed, c, a);
}

}  // namespace

// A datagram channel at EOF: shut down for reading (recv answers 0, as
// Linux does), or hung up because the daemon died or closed the socket —
// then an error, or a receive loop would spin on empty "datagrams".
static int dgram_channel_gone(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLHUP)) return 0;
  auto s = fdtable::get(fd);
  if (!s) return 0;
  Call c;
  c.q.sock_id = s->id;
  Answer a;
  if (call(ipc::Op::Identify, c, a)) return ENETDOWN;
  return a.r.error ? ECONNRESET : 0;
}

// Put the cmsgs of a record's control slot into msg_control, as Linux's
// put_cmsg does: a cmsg that does not fit is cut short and MSG_CTRUNC set.
// They go before what the kernel already put there (the channel's
// SCM_RIGHTS), as Linux's scm_recv puts credentials before rights, when
// everything fits; else after it.
void put_cmsgs(msghdr* msg, size_t used, const std::byte* ctl, size_t ctllen, bool ctrunc) {
  const size_t cap = msg->msg_control ? msg->msg_controllen : 0;
  auto* out = static_cast<std::byte*>(msg->msg_control);
  if (used && ctllen && used + ctllen <= cap) {
    std::memmove(out + ctllen, out, used);
    std::memcpy(out, ctl, ctllen);
    if (ctrunc) msg->msg_flags |= MSG_CTRUNC;
    msg->msg_controllen = used + ctllen;
    return;
  }
  for (size_t off = 0; off + sizeof(cmsghdr) <= ctllen;) {
    cmsghdr cm;
    std::memcpy(&cm, ctl + off, sizeof cm);
    if (cm.cmsg_len < sizeof cm || off + cm.cmsg_len > ctllen) break;
    const size_t space = CMSG_SPACE(cm.cmsg_len - CMSG_LEN(0));
    if (used + sizeof(cmsghdr) > cap) {
      msg->msg_flags |= MSG_CTRUNC;
      break;
    }
    size_t n = std::min<size_t>(cm.cmsg_len, cap - used);
    std::memcpy(out + used, ctl + off, n);
    if (n < cm.cmsg_len) {  // the header says what fits (put_cmsg's cmlen): the last one
      msg->msg_flags |= MSG_CTRUNC;
      cm.cmsg_len = n;
      std::memcpy(out + used, &cm, sizeof cm);
      used = cap;
      break;
    }
    used += std::min(space, cap - used);
    off += CMSG_ALIGN(cm.cmsg_len);
  }
  if (ctrunc) msg->msg_flags |= MSG_CTRUNC;
  msg->msg_controllen = used;
}

// An error record: the socket's pending error, consumed now (SO_ERROR), or
// 0 when a send or getsockopt took it meanwhile.
int take_so_error(const SockInfo& s) {
  Call c;
  c.q.sock_id = s.id;
  c.q.a = SOL_SOCKET;
  c.q.b = SO_ERROR;
  c.q.c = sizeof(int);
  Answer a;
  if (int e = call(ipc::Op::GetSockOpt, c, a)) return e;
  int err = 0;
  if (!a.r.error && a.payload.size() >= sizeof err) std::memcpy(&err, a.payload.data(), sizeof err);
  return err;
}

// The pending error was consumed by a send or getsockopt: an error record
// at the head of the channel is stale now; drop it so that it wakes no
// poller for nothing (one further back is consumed when a read reaches it).
void drop_stale_error_record(int fd) {
  ipc::DgramHeader h{};
  if (real().recv(fd, &h, sizeof h, MSG_PEEK | MSG_DONTWAIT) == ssize_t(sizeof h) && (h.flags & ipc::kDgramError))
    real().recv(fd, &h, sizeof h, MSG_DONTWAIT);
}

int take_so_error(int fd, const SockInfo& s) {
  Call c;
  c.q.sock_id = s.id;
  c.q.a = SOL_SOCKET;
  c.q.b = SO_ERROR;
  c.q.c = sizeof(int);
  Answer a;
  int err = 0;
  if (call(ipc::Op::GetSockOpt, c, a) == 0 && !a.r.error && a.payload.size() >= sizeof err)
    std::memcpy(&err, a.payload.data(), sizeof err);
  // The channel's kernel socket may hold the same error (the daemon closed
  // its end with our data unread, or reset our embryo): it is reported once.
  int k = 0;
  socklen_t kl = sizeof k;
  (void)real().getsockopt(fd, SOL_SOCKET, SO_ERROR, &k, &kl);
  return err;
}

ssize_t stream_read_end(int fd, ssize_t n, const iovec* iov, size_t iovcnt, int flags) {
  const int saved = errno;
  auto s = fdtable::ours(fd) ? fdtable::get(fd) : std::nullopt;
  if (!s || s->datagrams() || s->listening || s->pending || sandboxed()) {
    errno = saved;
    return n;
  }
  size_t room = 0;
  for (size_t i = 0; i < iovcnt; ++i) room += iov[i].iov_len;
  Call c;
  c.q.sock_id = s->id;
  c.q.a = ipc::kIoctlReadError;
  c.q.b = int(std::min<size_t>(room, 64 * 1024));  // data held after SHUT_RD: up to this much
  c.q.c = flags & MSG_PEEK;
  Answer a;
  int e = (call(ipc::Op::Ioctl, c, a) == 0 && !a.r.error) ? int(a.r.value) : 0;
  if (!e && !a.payload.empty() && room) {
    // Data that arrived after shutdown(SHUT_RD), as Linux still delivers it.
    size_t off = 0;
    for (size_t i = 0; i < iovcnt && off < a.payload.size(); ++i) {
      size_t k = std::min(iov[i].iov_len, a.payload.size() - off);
      std::memcpy(iov[i].iov_base, a.payload.data() + off, k);
      off += k;
    }
    trace("read(%d): %zu bytes held after SHUT_RD", fd, off);
    return ssize_t(off);
  }
  int k = 0;  // the channel's own kernel error (our embryo was reset) goes with it
  socklen_t kl = sizeof k;
  if (e) (void)real().getsockopt(fd, SOL_SOCKET, SO_ERROR, &k, &kl);
  if (e) {
    trace("read(%d): end of data: so_error %d", fd, e);
    return fail(e);
  }
  // ECONNRESET from the channel whose error someone took already (SO_ERROR):
  // the end of data, as Linux reads 0 after the error was reported.
  return 0;
}

// A TCP connection with IP_RECVERR/IPV6_RECVERR: the stack sets an ICMP
// error at once (Linux tcp_v4_err/tcp_v6_err's sk_err) on a connection that
// goes on, and the channel cannot show it (AF_UNIX raises POLLERR only as
// the peer is released: PROTOCOL.md "Errors on a connection"). A receive
// that finds nothing and a send ask for it instead: the error once, as
// Linux's tcp_recvmsg and tcp_sendmsg report sk_err. 0 when none.
static int pending_error(int fd) {
  auto s = fdtable::get(fd);
  if (!s || !s->tcp() || sandboxed()) return 0;
  int e = take_so_error(fd, *s);
  if (e) trace("fd %d: pending error %d (IP_RECVERR)", fd, e);
  return e;
}

// An inet stream socket (TCP) the channel cannot answer for: unconnected
// (the app's fd is an unconnected AF_UNIX socket) or listening.
static bool inet_stream_fd(int fd) {
  auto s = fdtable::ours(fd) ? fdtable::get(fd) : std::nullopt;
  return s && s->type == SOCK_STREAM && s->domain != AF_UNIX && !s->pending;
}

// A send on an unconnected or listening TCP socket: the channel's kernel
// says ENOTCONN (AF_UNIX); Linux's tcp_sendmsg waits for a connection
// (sk_stream_wait_connect) and gives the pending error, else EPIPE with
// SIGPIPE unless MSG_NOSIGNAL (sk_stream_error).
static ssize_t unconnected_send(int fd, int flags) {
  auto s = fdtable::get(fd);
  if (s)
    if (int e = take_so_error(fd, *s)) return fail(e);
  if (!(flags & MSG_NOSIGNAL)) ::raise(SIGPIPE);
  return fail(EPIPE);
}

// A receive on an unconnected or listening TCP socket: AF_UNIX says
// EINVAL; Linux's tcp_recvmsg gives ENOTCONN (a listener at once; else the
// pending error first, which a refused connect leaves).
static ssize_t unconnected_recv(int fd) {
  auto s = fdtable::get(fd);
  if (s && !s->listening)
    if (int e = take_so_error(fd, *s)) return fail(e);
  return fail(ENOTCONN);
}

// After a stream data call failed: the kernel's errno for an unconnected
// channel, mapped to TCP's when the fd is an inet stream socket.
static ssize_t stream_call_failed(int fd, bool sending, int flags) {
  const int e = errno;
  if (!sending && (e == EAGAIN || e == EWOULDBLOCK) && fdtable::recverr(fd))
    if (int pe = pending_error(fd)) return fail(pe);
  if (sending && e == ENOTCONN && inet_stream_fd(fd)) return unconnected_send(fd, flags);
  if (!sending && e == EINVAL && inet_stream_fd(fd)) {
    sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    if (real().getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) < 0 && errno == ENOTCONN)
      return unconnected_recv(fd);
  }
  errno = e;
  return -1;
}

// recv(MSG_TRUNC) on TCP: Linux's tcp_recvmsg discards what it would have
// copied and returns its length (the buffer may be NULL); with MSG_PEEK it
// discards nothing. The channel's AF_UNIX has no such mode: read into a
// scratch buffer, waiting as the call would (once, or for all with
// MSG_WAITALL), then taking what is there up to len.
static ssize_t tcp_recv_trunc(int fd, size_t len, int flags) {
  flags &= ~MSG_TRUNC;
  constexpr size_t kChunk = 64 * 1024;
  std::vector<char> scratch(std::min(len, (flags & MSG_PEEK) ? size_t(4) << 20 : kChunk));
  ssize_t n = real().recv(fd, scratch.data(), scratch.size(), flags);
  if (n <= 0 || (flags & MSG_PEEK)) {
    if ((n == 0 && len) || (n < 0 && errno == ECONNRESET)) return stream_read_end(fd, n);
    if (n < 0) return stream_call_failed(fd, false, flags);
    return n;
  }
  size_t total = size_t(n);
  const int more = (flags & MSG_WAITALL) ? flags : flags | MSG_DONTWAIT;
  for (int i = 0; total < len && i < 1 << 20; ++i) {
    n = real().recv(fd, scratch.data(), std::min(scratch.size(), len - total), more);
    if (n <= 0) break;
    total += size_t(n);
  }
  return ssize_t(total);
}

int tcp_wait_connected(int fd, bool nonblock) {
  if (!fdtable::connecting(fd)) return 0;
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, 0) == 1 && p.revents) {
    fdtable::set_connecting(fd, false);
    return 0;
  }
  if (nonblock || is_nonblocking(fd)) return EAGAIN;
  const int ms = timeo_ms(fd, SO_SNDTIMEO);
  int w = wait_ready(fd, POLLOUT, ms, ms >= 0);
  if (w == ETIMEDOUT) return EAGAIN;
  if (w) return w;
  fdtable::set_connecting(fd, false);
  return 0;
}

// Before a send(MSG_OOB): the daemon looks for the urgent mark in this
// socket's channel from now on (it spares every other socket that check).
static void announce_urgent(int fd) {
  auto s = fdtable::get(fd);
  if (!s || sandboxed()) return;
  Call c;
  c.q.sock_id = s->id;
  c.q.a = ipc::kIoctlUrgent;
  Answer a;
  (void)call(ipc::Op::Ioctl, c, a);
}

ssize_t tcp_sendmsg(int fd, const msghdr* msg, int flags) {
  if (int e = tcp_wait_connected(fd, flags & MSG_DONTWAIT)) return fail(e);
  if (fdtable::recverr(fd))
    if (int e = pending_error(fd)) return fail(e);  // Linux sk_stream_error: without SIGPIPE
  if (flags & MSG_OOB) announce_urgent(fd);
  msghdr copy = *msg;
  copy.msg_name = nullptr;
  copy.msg_namelen = 0;
  ssize_t n = real().sendmsg(fd, &copy, flags | MSG_NOSIGNAL);
  if (n < 0 && errno == ENOTCONN) return unconnected_send(fd, flags);
  if (n >= 0 || (errno != EPIPE && errno != ECONNRESET)) return n;
  auto s = fdtable::get(fd);
  if (s)
    if (int e = take_so_error(fd, *s)) {
      trace("send(%d): so_error %d", fd, e);
      return fail(e);  // Linux sk_stream_error: the pending error, without SIGPIPE
    }
  if (!(flags & MSG_NOSIGNAL)) ::raise(SIGPIPE);
  return fail(EPIPE);
}

// recvmsg(MSG_ERRQUEUE): the daemon holds the queue (IP_RECVERR). Never
// blocks: Linux answers EAGAIN on an empty queue whatever the mode.
ssize_t errqueue_recvmsg(const SockInfo& s, msghdr* msg, int flags) {
  size_t want = 0;
  for (size_t i = 0; i < msg->msg_iovlen; ++i) want += msg->msg_iov[i].iov_len;
  Call c;
  c.q.sock_id = s.id;
  c.q.a = flags;
  c.q.b = int(std::min<size_t>(want, 65536));
  c.q.c = msg->msg_control ? int(std::min<size_t>(msg->msg_controllen, ipc::kMaxCtl)) : 0;
  Answer a;
  if (int e = call(ipc::Op::RecvErr, c, a)) return fail(e);
  if (a.r.error) return fail(a.r.error);
  const size_t ctllen = std::min<size_t>(size_t(std::max(a.r.c, 0)), a.payload.size());
  const std::byte* p = reinterpret_cast<const std::byte*>(a.payload.data());
  size_t left = a.payload.size() - ctllen, off = ctllen;
  for (size_t i = 0; i < msg->msg_iovlen && left; ++i) {
    size_t n = std::min(left, msg->msg_iov[i].iov_len);
    std::memcpy(msg->msg_iov[i].iov_base, p + off, n);
    off += n;
    left -= n;
  }
  msg->msg_flags = a.r.b;
  put_cmsgs(msg, 0, p, ctllen, false);
  if (msg->msg_name) {
    socklen_t len = msg->msg_namelen;
    copy_addr(&a.addr, a.addrlen, static_cast<sockaddr*>(msg->msg_name), &len);
    msg->msg_namelen = len;
  }
  trace("recvmsg(MSG_ERRQUEUE) = %lld", (long long)a.r.value);
  return (flags & MSG_TRUNC) ? ssize_t(a.r.value) : ssize_t(a.payload.size() - ctllen);
}

ssize_t dgram_recvmsg(int fd, msghdr* msg, int flags) {
  if (flags & MSG_ERRQUEUE) {
    auto s = fdtable::get(fd);
    if (!s) return fail(EBADF);
    return errqueue_recvmsg(*s, msg, flags);
  }
  if (flags & MSG_OOB) {
    // Linux UDP ignores MSG_OOB on receive; AF_UNIX, ping and raw sockets
    // refuse it (EOPNOTSUPP), as the channel does.
    auto s = fdtable::get(fd);
    if (s && s->domain != AF_UNIX && s->type == SOCK_DGRAM && s->protocol != IPPROTO_ICMP) flags &= ~MSG_OOB;
  }
  ipc::DgramHeader h{};
  sockaddr_storage from{};
  alignas(cmsghdr) std::byte ctl[ipc::kMaxCtl];
  std::vector<iovec> iov(msg->msg_iovlen + 3);
  iov[0] = {&h, sizeof h};
  iov[1] = {&from, ipc::kMaxAddr};
  iov[2] = {ctl, ipc::kMaxCtl};
  for (size_t i = 0; i < msg->msg_iovlen; ++i) iov[i + 3] = msg->msg_iov[i];
  for (;;) {
    msghdr mh{};
    mh.msg_iov = iov.data();
    mh.msg_iovlen = iov.size();
    mh.msg_control = msg->msg_control;
    mh.msg_controllen = msg->msg_controllen;
    ssize_t n = real().recvmsg(fd, &mh, flags);
    if (n < 0) return -1;
    msg->msg_flags = mh.msg_flags;
    if (size_t(n) < kFrame) {  // end of the channel: nothing more will come
      msg->msg_controllen = mh.msg_controllen;
      if (msg->msg_name) msg->msg_namelen = 0;
      if (int e = dgram_channel_gone(fd)) return fail(e);
      return 0;  // shut down for reading: 0, as Linux answers then
    }
    if (h.flags & ipc::kDgramError) {
      // A peek leaves the record in the channel: it has done its work now.
      if (flags & MSG_PEEK) real().recv(fd, &h, sizeof h, MSG_DONTWAIT);
      auto s = fdtable::get(fd);
      int e = s ? take_so_error(*s) : 0;
      trace("recvmsg(%d): error record: so_error %d", fd, e);
      if (e) return fail(e);
      continue;  // taken by a send or getsockopt meanwhile: the next record
    }
    put_cmsgs(msg, mh.msg_control ? mh.msg_controllen : 0, ctl, std::min<size_t>(h.ctllen, sizeof ctl),
              h.flags & ipc::kDgramCtrunc);
    if (msg->msg_name) {
      socklen_t len = msg->msg_namelen;
      copy_addr(&from, std::min<socklen_t>(h.addrlen, ipc::kMaxAddr), static_cast<sockaddr*>(msg->msg_name), &len);
      msg->msg_namelen = len;
    }
    return n - ssize_t(kFrame);
  }
}

ssize_t dgram_sendmsg(int fd, const SockInfo& s, const msghdr* msg, int flags) {
  // The payload to the daemon: the cmsgs the protocol reads (IP_PKTINFO,
  // IP_TTL, IP_TOS: Linux ip_cmsg_send), then the data.
  std::string data;
  std::vector<int> fds;
  const bool inet = s.domain != AF_UNIX;
  if (msg->msg_control && msg->msg_controllen >= sizeof(cmsghdr)) {
    for (cmsghdr* cm = CMSG_FIRSTHDR(const_cast<msghdr*>(msg)); cm; cm = CMSG_NXTHDR(const_cast<msghdr*>(msg), cm)) {
      const size_t left = size_t(static_cast<const char*>(msg->msg_control) + msg->msg_controllen -
                                 reinterpret_cast<const char*>(cm));
      if (cm->cmsg_len < sizeof(cmsghdr) || cm->cmsg_len > left) return fail(EINVAL);  // Linux: EINVAL
      if (cm->cmsg_level != SOL_SOCKET) {
        if (inet) data.append(reinterpret_cast<const char*>(cm), std::min(CMSG_ALIGN(cm->cmsg_len), left));
        continue;
      }
      // Linux __sock_cmsg_send: rights and credentials belong to AF_UNIX.
      if (inet) return fail(EINVAL);
      // The daemon attaches the sender's real credentials itself (SO_PASSCRED);
      // the message keeps them for a fall-through to the host (sd_notify).
      if (cm->cmsg_type == SCM_CREDENTIALS) continue;
      if (cm->cmsg_type != SCM_RIGHTS) return fail(EINVAL);
      size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < k; ++i) {
        int v;
        std::memcpy(&v, CMSG_DATA(cm) + i * sizeof(int), sizeof v);
        fds.push_back(v);
      }
    }
  }
  const size_t ctllen = data.size();
  for (size_t i = 0; i < msg->msg_iovlen; ++i)
    data.append(static_cast<const char*>(msg->msg_iov[i].iov_base), msg->msg_iov[i].iov_len);
  Call c;
  c.q.sock_id = s.id;
  c.q.a = flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL);
  c.q.c = int(ctllen);
  // Larger than any socket buffer: the kernel's answer without a round trip
  // (and within the control protocol's record limit).
  if (data.size() > ipc::kMaxRecord - 4096) return fail(EMSGSIZE);
  const sockaddr* to = static_cast<const sockaddr*>(msg->msg_name);
  socklen_t tolen = to ? msg->msg_namelen : 0;
  if (to && tolen) {
    if (s.domain == AF_UNIX) {
      if (tolen < sizeof(sa_family_t) || tolen > sizeof(sockaddr_un) || to->sa_family != AF_UNIX) return fail(EINVAL);
      if (int e = resolve_path(to, tolen, c)) return fail(e);
    }
    c.addr = to;
    c.addrlen = tolen;
  }
  c.payload = data.data();
  c.paylen = data.size();
  c.cloexec = true;  // a wait token
  c.fds = fds.data();
  c.nfds = int(fds.size());
  const bool nb = (flags & MSG_DONTWAIT) || is_nonblocking(fd);
  if (nb) c.q.flags |= ipc::kNonblock;
  for (;;) {
    Answer a;
    if (int e = call(ipc::Op::SendTo, c, a)) return fail(e);
    int e = a.r.error;
    if (e == ipc::kFallThrough) {
      if (int f = fall_through(fd, s)) return fail(f);
      return real().sendmsg(fd, msg, flags);
    }
    if (e == EAGAIN && !nb) {
      // The receiver's queue is full: a blocking send waits on the daemon's
      // wait token for room (SO_SNDTIMEO bounds it), then tries again.
      int w = wait_token(a, timeo_ms(fd, SO_SNDTIMEO));
      if (w == ETIMEDOUT) return fail(EAGAIN);
      if (w) return fail(w);
      continue;
    }
    for (int i = 0; i < a.nfds; ++i) real().close(a.fds[i]);
    trace("sendmsg(%d, %zu bytes, flags %#x) = %d", fd, data.size() - ctllen, flags, e ? -e : int(a.r.value));
    if (a.r.b == 1) drop_stale_error_record(fd);
    // Linux signals a broken pipe on connections only: a datagram socket's
    // EPIPE (after shutdown(SHUT_WR)) comes without SIGPIPE.
    if (e == EPIPE && !s.datagrams() && !(flags & MSG_NOSIGNAL)) ::raise(SIGPIPE);
    if (e) return fail(e);
    return ssize_t(a.r.value);
  }
}

}  // namespace tunsock::shim

using namespace tunsock;
using namespace tunsock::shim;

// --- receiving ---

ssize_t tunsock::shim::impl::recvmsg(int fd, msghdr* msg, int flags) {
  const bool ours = fdtable::ours(fd);
  ssize_t n;
  if (ours && dgram_of(fd)) {
    n = dgram_recvmsg(fd, msg, flags);
  } else if (ours && (flags & MSG_TRUNC) && fdtable::tcp(fd)) {
    size_t want = 0;
    for (size_t i = 0; i < msg->msg_iovlen; ++i) want += msg->msg_iov[i].iov_len;
    n = tcp_recv_trunc(fd, want, flags);
    if (n >= 0 && msg->msg_name) msg->msg_namelen = 0;
    msg->msg_controllen = 0;
    msg->msg_flags = 0;
  } else {
    n = real().recvmsg(fd, msg, flags);
    // The kernel would name the channel's daemon end: a stack stream or
    // seqpacket peer has no name to report here.
    if (n >= 0 && ours && msg->msg_name) msg->msg_namelen = 0;
    if (ours && !(flags & MSG_ERRQUEUE) && ((n == 0 && msg->msg_iovlen) || (n < 0 && errno == ECONNRESET)))
      n = stream_read_end(fd, n, msg->msg_iov, msg->msg_iovlen, flags);
    else if (ours && n < 0 && !(flags & MSG_ERRQUEUE))
      n = stream_call_failed(fd, false, flags);
  }
  if (n >= 0 && msg->msg_controllen) adopt_received(msg);
  if (ours) trace("recvmsg(%d, flags %#x) = %zd", fd, flags, n);
  return n;
}

ssize_t tunsock::shim::impl::recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr, socklen_t* alen) {
  auto s = dgram_of(fd);
  if (!s) {
    if (!fdtable::ours(fd)) return real().recvfrom(fd, buf, len, flags, addr, alen);
    // Stream and seqpacket: the peer's name, as the kernel gives it.
    ssize_t n = ((flags & MSG_TRUNC) && fdtable::tcp(fd)) ? tcp_recv_trunc(fd, len, flags)
                                                           : real().recvfrom(fd, buf, len, flags, nullptr, nullptr);
    iovec iov{buf, len};
    if ((n == 0 && len) || (n < 0 && errno == ECONNRESET))
      n = stream_read_end(fd, n, &iov, (flags & MSG_TRUNC) ? 0 : 1, flags);
    else if (n < 0) n = stream_call_failed(fd, false, flags);
    if (n >= 0 && addr && alen) *alen = 0;
    return n;
  }
  iovec iov{buf, len};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_name = addr;
  mh.msg_namelen = (addr && alen) ? *alen : 0;
  ssize_t n = dgram_recvmsg(fd, &mh, flags);
  if (n >= 0 && addr && alen) *alen = mh.msg_namelen;
  return n;
}

ssize_t tunsock::shim::impl::recv(int fd, void* buf, size_t len, int flags) {
  if (!dgram_of(fd)) {
    if ((flags & MSG_TRUNC) && fdtable::tcp(fd)) return recvfrom(fd, buf, len, flags, nullptr, nullptr);
    ssize_t n = real().recv(fd, buf, len, flags);
    iovec iov{buf, len};
    if (((n == 0 && len) || (n < 0 && errno == ECONNRESET)) && fdtable::ours(fd))
      return stream_read_end(fd, n, &iov, 1, flags);
    if (n < 0 && fdtable::ours(fd)) return stream_call_failed(fd, false, flags);
    return n;
  }
  return recvfrom(fd, buf, len, flags, nullptr, nullptr);
}

TUNSOCK_EXPORT ssize_t read(int fd, void* buf, size_t len) {
  if (!dgram_of(fd)) {
    ssize_t n = real().read(fd, buf, len);
    iovec iov{buf, len};
    if (((n == 0 && len) || (n < 0 && errno == ECONNRESET)) && fdtable::ours(fd))
      return stream_read_end(fd, n, &iov, 1, 0);
    if (n < 0 && fdtable::ours(fd)) return stream_call_failed(fd, false, 0);
    return n;
  }
  return impl::recvfrom(fd, buf, len, 0, nullptr, nullptr);
}

TUNSOCK_EXPORT ssize_t readv(int fd, const iovec* iov, int n) {
  if (!dgram_of(fd)) {
    ssize_t k = real().readv(fd, iov, n);
    if (((k == 0 && n > 0) || (k < 0 && errno == ECONNRESET)) && fdtable::ours(fd))
      return stream_read_end(fd, k, iov, size_t(n), 0);
    if (k < 0 && fdtable::ours(fd)) return stream_call_failed(fd, false, 0);
    return k;
  }
  msghdr mh{};
  mh.msg_iov = const_cast<iovec*>(iov);
  mh.msg_iovlen = size_t(n);
  return dgram_recvmsg(fd, &mh, 0);
}

TUNSOCK_EXPORT int recvmmsg(int fd, mmsghdr* vec, unsigned vlen, int flags, struct timespec* timeout) {
  if (!dgram_of(fd)) {
    int n = real().recvmmsg(fd, vec, vlen, flags, timeout);
    for (int i = 0; i < n; ++i) {
      if (vec[i].msg_hdr.msg_controllen) adopt_received(&vec[i].msg_hdr);
      if (fdtable::ours(fd) && vec[i].msg_hdr.msg_name) vec[i].msg_hdr.msg_namelen = 0;
    }
    return n;
  }
  // One at a time; after the first, only what is already there (MSG_WAITFORONE).
  unsigned i = 0;
  for (; i < vlen; ++i) {
    int f = flags & ~MSG_WAITFORONE;
    if (i > 0 && (flags & MSG_WAITFORONE)) f |= MSG_DONTWAIT;
    ssize_t n = dgram_recvmsg(fd, &vec[i].msg_hdr, f);
    if (n >= 0 && vec[i].msg_hdr.msg_controllen) adopt_received(&vec[i].msg_hdr);
    if (n < 0) {
      if (i > 0) break;
      return -1;
    }
    vec[i].msg_len = unsigned(n);
  }
  return int(i);
}

// --- sending ---

ssize_t tunsock::shim::impl::sendmsg(int fd, const msghdr* msg, int flags) {
  if (!fdtable::ours(fd)) return real().sendmsg(fd, msg, flags);
  auto s = fdtable::get(fd);
  if (s && s->datagrams()) return dgram_sendmsg(fd, *s, msg, flags);
  // TCP ignores the address of a send (Linux tcp_sendmsg, without
  // MSG_FASTOPEN): the data goes through the channel, in order.
  if (s && s->tcp()) return tcp_sendmsg(fd, msg, flags);
  if (s && s->type == SOCK_STREAM && s->domain != AF_UNIX && s->listening) return unconnected_send(fd, flags);
  if (s && s->type == SOCK_STREAM && msg->msg_name && msg->msg_namelen) {
    // An address on a stream send: the stack gives the kernel's answer.
    return dgram_sendmsg(fd, *s, msg, flags);
  }
  msghdr copy = *msg;
  copy.msg_name = nullptr;  // seqpacket ignores a destination, as Linux does
  copy.msg_namelen = 0;
  return real().sendmsg(fd, &copy, flags);
}

ssize_t tunsock::shim::impl::sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t alen) {
  if (!fdtable::ours(fd)) return real().sendto(fd, buf, len, flags, addr, alen);
  iovec iov{const_cast<void*>(buf), len};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_name = const_cast<sockaddr*>(addr);
  mh.msg_namelen = addr ? alen : 0;
  return impl::sendmsg(fd, &mh, flags);
}

ssize_t tunsock::shim::impl::send(int fd, const void* buf, size_t len, int flags) {
  if (!fdtable::framed(fd) && !fdtable::tcp(fd)) {
    ssize_t n = real().send(fd, buf, len, flags);
    if (n < 0 && fdtable::ours(fd)) return stream_call_failed(fd, true, flags);
    return n;
  }
  return sendto(fd, buf, len, flags, nullptr, 0);
}

TUNSOCK_EXPORT ssize_t write(int fd, const void* buf, size_t len) {
  if (fdtable::tcp(fd) && !sandboxed()) return impl::send(fd, buf, len, 0);
  if (!dgram_of(fd)) {
    ssize_t n = real().write(fd, buf, len);
    if (n < 0 && fdtable::ours(fd) && !sandboxed()) return stream_call_failed(fd, true, 0);
    return n;
  }
  return impl::sendto(fd, buf, len, 0, nullptr, 0);
}

TUNSOCK_EXPORT ssize_t writev(int fd, const iovec* iov, int n) {
  if (fdtable::tcp(fd) && !sandboxed()) {
    msghdr mh{};
    mh.msg_iov = const_cast<iovec*>(iov);
    mh.msg_iovlen = size_t(n);
    return tcp_sendmsg(fd, &mh, 0);
  }
  if (!dgram_of(fd)) return real().writev(fd, iov, n);
  msghdr mh{};
  mh.msg_iov = const_cast<iovec*>(iov);
  mh.msg_iovlen = size_t(n);
  return impl::sendmsg(fd, &mh, 0);
}

TUNSOCK_EXPORT int sendmmsg(int fd, mmsghdr* vec, unsigned vlen, int flags) {
  if (!fdtable::ours(fd)) return real().sendmmsg(fd, vec, vlen, flags);
  unsigned i = 0;
  for (; i < vlen; ++i) {
    ssize_t n = impl::sendmsg(fd, &vec[i].msg_hdr, flags);
    if (n < 0) {
      if (i > 0) break;
      return -1;
    }
    vec[i].msg_len = unsigned(n);
  }
  return int(i);
}

// --- descriptors ---

int tunsock::shim::impl::close(int fd) {
  if (!fdtable::ours(fd)) {
    if (fdtable::known(fd)) fdtable::forget(fd);  // a "probed, not ours" mark: clear it for the next owner
    return real().close(fd);
  }
  auto s = fdtable::get(fd);
  const bool hint = s && !sandboxed() && needs_close_hint(fd, *s);
  fdtable::forget(fd);
  int r = real().close(fd);
  int e = errno;
  // Tell the daemon at once: if that was the last descriptor, the socket is
  // closed before close() returns, as in the kernel (the peer polls HUP, a
  // datagram sender gets ECONNREFUSED), instead of whenever the hang-up is
  // noticed.
  if (r == 0 && hint) closed_hint(*s);
  if (r == 0 && s && s->tcp() && s->linger_s > 0 && !sandboxed()) linger_after_close(*s);
  errno = e;
  return r;
}

TUNSOCK_EXPORT int dup(int fd) {
  int n = real().dup(fd);
  if (n >= 0) copy_entry(fd, n);
  return n;
}

TUNSOCK_EXPORT int dup2(int fd, int to) {
  auto old = fd != to ? fdtable::get(to) : std::nullopt;
  const bool hint = old && needs_close_hint(to, *old);
  int n = real().dup2(fd, to);
  if (n >= 0 && n != fd) copy_entry(fd, n);
  if (n >= 0 && hint) closed_hint(*old);  // the descriptor it replaced was closed
  return n;
}

TUNSOCK_EXPORT int dup3(int fd, int to, int flags) {
  auto old = fd != to ? fdtable::get(to) : std::nullopt;
  const bool hint = old && needs_close_hint(to, *old);
  int n = real().dup3(fd, to, flags);
  if (n >= 0) copy_entry(fd, n);
  if (n >= 0 && hint) closed_hint(*old);
  return n;
}

static int fcntl_common(int (*fn)(int, int, ...), int fd, int cmd, void* arg) {
  int r = fn(fd, cmd, arg);
  if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) copy_entry(fd, r);
  return r;
}

TUNSOCK_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return fcntl_common(real().fcntl, fd, cmd, arg);
}

TUNSOCK_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return fcntl_common(real().fcntl64, fd, cmd, arg);
}

TUNSOCK_EXPORT int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (req == FIONREAD && dgram_of(fd)) {
    // The size of the next datagram, as Linux reports for AF_UNIX datagrams.
    ipc::DgramHeader h{};
    ssize_t n = real().recv(fd, &h, sizeof h, MSG_PEEK | MSG_DONTWAIT);
    int v = n == ssize_t(sizeof h) ? int(h.datalen) : 0;
    if (!arg) return fail(EFAULT);
    std::memcpy(arg, &v, sizeof v);
    return 0;
  }
  if (req == FIONREAD && fdtable::ours(fd))
    if (auto s = lookup(fd); s && !s->listening && s->type != SOCK_DGRAM) return stream_fionread(fd, *s, arg);
  if ((req == SIOCOUTQ || req == SIOCOUTQNSD) && fdtable::tcp(fd)) {
    // The stack's unsent bytes plus the channel's: the daemon counts both.
    auto s = fdtable::get(fd);
    Call c;
    c.q.sock_id = s ? s->id : 0;
    c.q.a = int(req);
    Answer a;
    if (int e = call(ipc::Op::Ioctl, c, a)) return fail(e);
    if (a.r.error) return fail(a.r.error);
    if (!arg) return fail(EFAULT);
    int v = int(std::min<int64_t>(a.r.value, 0x7fffffff));
    std::memcpy(arg, &v, sizeof v);
    return 0;
  }
  return real().ioctl(fd, req, arg);
}

// --- glibc's _FORTIFY_SOURCE entry points ---

extern "C" [[noreturn]] void __chk_fail(void);

TUNSOCK_EXPORT ssize_t __read_chk(int fd, void* buf, size_t len, size_t buflen) {
  if (len > buflen) __chk_fail();
  return read(fd, buf, len);
}

TUNSOCK_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags) {
  if (len > buflen) __chk_fail();
  return recv(fd, buf, len, flags);
}

TUNSOCK_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags, sockaddr* addr,
                                      socklen_t* alen) {
  if (len > buflen) __chk_fail();
  return recvfrom(fd, buf, len, flags, addr, alen);
}
