// Channel I/O for one stack socket (see channel.hpp). Reads are done with
// recvmsg straight into mbuf clusters, only as far as sosendspace() allows;
// deliveries gather so_rcv's chain into sendmsg iovecs and sbdrop what the
// kernel took. Asio is used only to wait (after EAGAIN): its epoll is
// edge-triggered, so a wake-up that does not drain re-schedules itself.
#include "daemon/channel.hpp"

#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "daemon/daemon.hpp"
#include "daemon/fd.hpp"
#include "daemon/log.hpp"
#include "daemon/rights.hpp"
#include "ipc/protocol.hpp"

namespace tunsock::daemon {
namespace {

constexpr size_t kMaxIn = 64 * 1024;    // bytes read from a channel per wake-up
constexpr long kPeekMax = 16 * 1024;    // TCP: peeked, not read, while the channel holds less
constexpr size_t kMaxOut = 256 * 1024;  // bytes written to a channel per sendmsg
constexpr int kMaxIov = 256;

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

// Clusters (or an inline mbuf) for len bytes, their free space in iov.
mbuf* alloc_chain(size_t len, iovec* iov, int* niov) {
  mbuf* top = nullptr;
  mbuf** tail = &top;
  size_t left = len;
  *niov = 0;
  while (left > 0 && *niov < kMaxIov) {
    mbuf* m = m_get2(int(std::min(left, MCLBYTES)), M_NOWAIT, MType::Data, top == nullptr);
    if (!m) break;
    size_t room = std::min(left, size_t(M_TRAILINGSPACE(m)));
    iov[(*niov)++] = {m->m_data + m->m_len, room};
    left -= room;
    *tail = m;
    tail = &m->m_next;
  }
  return top;
}

// Shorten iov to len bytes in all (trim_chain frees the clusters not used).
void limit_iov(iovec* iov, int* niov, size_t len) {
  size_t left = len;
  int i = 0;
  for (; i < *niov && left > 0; ++i) {
    iov[i].iov_len = std::min(iov[i].iov_len, left);
    left -= iov[i].iov_len;
  }
  *niov = i;
}

// Keep n received bytes of a chain from alloc_chain; free the unused rest.
mbuf* trim_chain(mbuf* top, const iovec* iov, size_t n) {
  if (!top) return nullptr;
  size_t left = n;
  mbuf* m = top;
  mbuf* last = nullptr;
  for (int i = 0; m; ++i) {
    if (left == 0 && last) break;
    size_t take = std::min(left, iov[i].iov_len);
    m->m_len += int(take);
    left -= take;
    last = m;
    m = m->m_next;
  }
  if (last->m_next) {
    m_freem(last->m_next);
    last->m_next = nullptr;
  }
  top->m_pkthdr.len = int(n);
  return top;
}

}  // namespace

ChanKind chan_kind(int so_type) {
  switch (so_type) {
    case SOCK_STREAM: return ChanKind::Stream;
    case SOCK_SEQPACKET: return ChanKind::Seqpacket;
    default: return ChanKind::Dgram;
  }
}

int chan_socktype(ChanKind k) { return k == ChanKind::Stream ? SOCK_STREAM : SOCK_SEQPACKET; }

const char* chan_state_name(ChanState s) {
  switch (s) {
    case ChanState::Unconnected: return "unconnected";
    case ChanState::Connecting: return "connecting";
    case ChanState::Connected: return "connected";
    case ChanState::Listening: return "listening";
    case ChanState::Closed: return "closed";
  }
  return "?";
}

void Chan::set_state(ChanState s) {
  if (s == state_) return;
  logger("chan")->debug("socket {}: channel {} -> {}", id_, chan_state_name(state_), chan_state_name(s));
  state_ = s;
}

namespace {
bool inet_stream(const Socket* so) {
  const Domain* dom = so && so->so_proto ? so->so_proto->pr_domain : nullptr;
  return so && so->so_type == SOCK_STREAM && dom && (dom->dom_family == AF_INET || dom->dom_family == AF_INET6);
}
// The kernel doubles what setsockopt(SO_SNDBUF) asks for: ask for a quarter
// of the stack's buffer, so that the channel holds at most about half of it
// (counted as the kernel counts, skb truesize).
int channel_sndbuf_request(uint32_t hiwat) { return int(std::max<uint32_t>(hiwat / 4, 2048)); }
}  // namespace

int Chan::app_sndbuf() const { return inet_stream(so_) ? channel_sndbuf_request(so_->so_snd.sb_hiwat) : 0; }

void Chan::tune_buffers() {
  if (!sd_ || !inet_stream(so_)) return;
  int v = channel_sndbuf_request(so_->so_rcv.sb_hiwat);
  ::setsockopt(sd_->native_handle(), SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
}

namespace {
long channel_inq(int fd) {
  int v = 0;
  return ::ioctl(fd, SIOCINQ, &v) < 0 ? 0 : v;
}
}  // namespace

long Chan::held_inbound() { return sd_ ? std::max(0L, channel_inq(sd_->native_handle()) - peeked_) : 0; }

long Chan::held_outbound() {
  int v = 0;
  if (!sd_ || ::ioctl(sd_->native_handle(), SIOCOUTQ, &v) < 0) return 0;
  return v;
}

Chan::Chan(Daemon& d, Socket& so) : d_(d), so_(&so), id_(so.so_id), kind_(chan_kind(so.so_type)) {
  so.so_upcallarg = this;
}

Chan::~Chan() {
  wake_waiters();
  if (so_ && so_->so_upcallarg == this) so_->so_upcallarg = nullptr;
}

int Chan::open_pair() {
  int sv[2];
  // The application's end is blocking: the shim applies SOCK_NONBLOCK itself.
  if (::socketpair(AF_UNIX, chan_socktype(kind_) | SOCK_CLOEXEC, 0, sv) < 0) return -errno;
  sockaddr_un name;
  socklen_t len = ipc::channel_name(d_.instance(), id_, &name);
  if (::bind(sv[0], reinterpret_cast<sockaddr*>(&name), len) < 0 ||
      ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK) < 0) {
    int e = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    return -e;
  }
  attach(sv[0]);
  return sv[1];
}

void Chan::attach(int fd) {
  struct stat st;
  ino_ = ::fstat(fd, &st) == 0 ? st.st_ino : 0;
  sd_.emplace(d_.io(), fd);
  if (inet_stream(so_)) {
    // The application's send(MSG_OOB) makes AF_UNIX's out-of-band byte:
    // kept in the stream here, where reads stop before it (input_stream).
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
    // Peeking needs the peek offset, and UNIX_DIAG to see the app's end.
    int zero = 0;
    peek_ok_ = !urgent_watch_ && d_.diag().available() &&
               ::setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero) == 0;
  }
  if (state_ != ChanState::Closed) set_state(ChanState::Connected);
  tune_buffers();
  kick();
}

bool Chan::app_end_gone() {
  if (!so_ || !sd_ || !ino_ || so_->so_head || !(rd_shut_ && wr_shut_)) return false;
  auto info = d_.diag().lookup(ino_);
  return info && info->peer_ino == 0;
}

void Chan::close_channel() {
  if (!sd_) return;
  boost::system::error_code ec;
  sd_->close(ec);
  sd_.reset();
  ino_ = 0;
  reading_ = writing_ = false;
  peek_ok_ = false;
  peeked_ = 0;
  app_end_ino_ = 0;
}

int Chan::take_read_error() {
  if (!so_ || !so_->so_error) return 0;
  if (fin_first_ && inet_stream(so_)) return 0;
  return std::exchange(so_->so_error, 0);
}

int Chan::wait_token() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) return -errno;
  waiters_.push_back(p[1]);
  return p[0];
}

void Chan::wake_waiters() {
  for (int fd : waiters_) ::close(fd);
  waiters_.clear();
}

void Chan::on_freed() {
  wake_waiters();
  so_ = nullptr;
  close_channel();
  if (connl_) {
    boost::system::error_code ec;
    connl_->close(ec);
    connl_.reset();
  }
  if (retry_) retry_->cancel();
}

void Chan::kick() {
  if (scheduled_ || !so_) return;
  scheduled_ = true;
  d_.note_pending(shared_from_this());
  asio::post(d_.io(), [self = shared_from_this()] { self->run_scheduled(); });
}

void Chan::run_scheduled() {
  if (!scheduled_) return;  // ran already, before a control reply
  scheduled_ = false;
  pump();
}

bool Chan::app_left_unread() {
  // A write that failed since took the kernel's ECONNRESET (the error is
  // reported once): it was this.
  if (app_reset_) return true;
  if (!sd_) return false;
  int err = 0;
  socklen_t len = sizeof err;
  // Reading SO_ERROR clears it: the channel is being closed anyway.
  return ::getsockopt(sd_->native_handle(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNRESET;
}

bool Chan::app_closed_now() {
  if (!so_ || !sd_ || !ino_ || so_->so_head || listening()) return false;
  auto info = d_.diag().lookup(ino_);
  return info && info->peer_ino == 0;
}

void Chan::pump() {
  if (!so_) return;
  d_.tick();
  if (listening()) {
    deliver();
  } else if (connecting()) {
    connect_progress();
  } else if (sd_ && !reset_with_unread()) {
    output();
    if (so_ && sd_) input();
    // A connection reset before accept keeps its channel whole until the
    // application has accepted it: then the reset can reach its end.
    if (so_ && sd_ && !(so_->so_head && reset_pending())) check_state();
  }
  d_.settle();
}

void Chan::wait_read() {
  if (reading_ || !sd_) return;
  reading_ = true;
  sd_->async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](auto ec) {
    self->reading_ = false;
    if (!ec) self->kick();
  });
}

void Chan::wait_write() {
  if (writing_ || !sd_) return;
  writing_ = true;
  sd_->async_wait(asio::posix::stream_descriptor::wait_write, [self = shared_from_this()](auto ec) {
    self->writing_ = false;
    if (!ec) self->kick();
  });
}

int Chan::sosend_chain(mbuf* top, mbuf* control, int flags) {
  Td td{so_->so_cred, {}};
  // A pending error on a connection that goes on (an ICMP error reported at
  // once: IP_RECVERR/IPV6_RECVERR, Linux tcp_v4_err/tcp_v6_err's sk_err) is
  // the application's to read. These bytes were written before it could
  // (its send returned already): they go out, and the error stays for the
  // application's next call, where sosend would consume it and drop them.
  const bool keep = kind_ == ChanKind::Stream && (so_->so_state & SS_ISCONNECTED);
  const int pending = keep ? std::exchange(so_->so_error, 0) : 0;
  int e = sosend(*so_, nullptr, top, control, flags, td);
  if (pending && !so_->so_error) so_->so_error = pending;
  return e;
}

// --- channel -> stack ---------------------------------------------------

void Chan::input() {
  if (closed()) return;
  bool more = kind_ == ChanKind::Stream ? input_stream() : input_record();
  // Peeked bytes stay charged to the application's end until it would poll
  // unwritable: then they go, and the room it gets back wakes it, as
  // Linux's tcp_check_space wakes a writer that found the buffer full.
  if (peeked_ > 0 && sd_ && !app_end_writable()) consume_peeked();
  if (more && so_) kick();  // budget spent with data left: no new edge will come
}

// Linux TCP wakes a writer (EPOLLOUT) when acknowledged data frees room
// only if it found the buffer full (SOCK_NOSPACE, tcp_check_space); the
// channel's AF_UNIX wakes the application's end each time the daemon's
// read frees one of its skbs (sock_wfree -> unix_write_space), so every
// send would draw a new edge-triggered EPOLLOUT at once. While the channel
// holds less than kPeekMax, input_stream therefore peeks the bytes into
// the stack (SO_PEEK_OFF moves on) and leaves them charged to the
// application's end; they are read for good only when that end would poll
// unwritable (input: the wake-up then is the one Linux gives a writer that
// filled its buffer), before a plain read, and for urgent data
// (watch_urgent). Reading them as the daemon writes to that end, for the
// wake-up its data draws anyway, is no good: the application's epoll often
// collects that one first, and the read's wake-up arms a second edge.
// DEVIATION: after several small sends the peeked bytes alone can fill
// that end (each skb counts its truesize): one EPOLLOUT edge then, where
// Linux has none.
void Chan::consume_peeked() {
  if (!sd_ || peeked_ <= 0) {
    peeked_ = 0;
    return;
  }
  const int fd = sd_->native_handle();
  char scratch[kPeekMax];
  for (int i = 0; peeked_ > 0 && i < 64; ++i) {
    alignas(cmsghdr) char cbuf[CMSG_SPACE(ipc::kMaxFds * sizeof(int))];
    iovec iov{scratch, std::min(sizeof scratch, size_t(peeked_))};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t n = ::recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::vector<int> dups = rights_from_msg(mh);  // the peek passed duplicates on already
    close_all(dups);
    peeked_ -= n;
  }
  peeked_ = 0;
}

bool Chan::app_end_writable() {
  if (!sd_) return true;
  if (!app_end_ino_) {
    auto mine = d_.diag().lookup(ino_);
    if (!mine || !mine->peer_ino) return false;
    app_end_ino_ = mine->peer_ino;
  }
  auto app = d_.diag().lookup(app_end_ino_);
  return app && app->meminfo && app->writable();
}

void Chan::watch_urgent() {
  // The urgent path peeks and reads from the head itself (input_stream).
  consume_peeked();
  if (peek_ok_ && sd_) {
    int off = -1;
    ::setsockopt(sd_->native_handle(), SOL_SOCKET, SO_PEEK_OFF, &off, sizeof off);
  }
  peek_ok_ = false;
  urgent_watch_ = true;
}

// Returns true when the budget ran out with data possibly left.
bool Chan::input_stream() {
  static const auto log = logger("chan");  // per read: no registry lookup
  size_t total = 0;
  if (filler_left_ != 0 && !drain_filler()) return false;
  bool peek = peek_ok_ && !urgent_watch_ && sd_ && channel_inq(sd_->native_handle()) < kPeekMax;
  if (!peek) consume_peeked();
  while (total < kMaxIn && so_ && sd_) {
    long space = sosendspace(*so_);
    bool discard = (so_->so_snd.sb_state & SBS_CANTSENDMORE) != 0;
    if (space <= 0 && !discard) {
      in_blocked_ = true;  // resume on so_writable; still notice a hang-up
      pollfd p{sd_->native_handle(), 0, 0};
      int queued = 0;
      if (::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) &&
          (!(so_->so_state & SS_ISCONNECTED) ||
           (::ioctl(sd_->native_handle(), FIONREAD, &queued) == 0 && queued <= peeked_)))
        on_eof();  // nothing left to deliver: do not wait for room to see the close
      else
        wait_read();
      return false;
    }
    in_blocked_ = false;
    if (peek && peeked_ >= kPeekMax) {
      consume_peeked();  // the channel is filling: plain reads from here
      peek = false;
    }
    size_t want = std::min(kMaxIn - total, discard ? kMaxIn : size_t(space));
    if (peek) want = std::min(want, size_t(kPeekMax - peeked_));
    iovec iov[kMaxIov];
    int niov = 0;
    mbuf* top = alloc_chain(want, iov, &niov);
    if (!top) {
      log->warn("socket {}: no mbufs for channel input", id_);
      in_blocked_ = true;
      return false;
    }
    alignas(cmsghdr) char cbuf[CMSG_SPACE(ipc::kMaxFds * sizeof(int))];
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = size_t(niov);
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    bool urgent = false;
    ssize_t n = 0;
    int err = 0;
    if (urgent_watch_ && !discard && inet_stream(so_)) {
      // At the application's urgent byte (SIOCATMARK) it goes alone, as the
      // stack's urgent data (send MSG_OOB: RFC 9293 §3.8.5). Peek, then ask
      // for the mark, then read exactly what the peek saw: a byte the
      // application sends out of band meanwhile lands behind those bytes
      // (AF_UNIX reads stop before the mark), never inside a plain read.
      msghdr peek{};
      peek.msg_iov = iov;
      peek.msg_iovlen = size_t(niov);
      n = ::recvmsg(sd_->native_handle(), &peek, MSG_PEEK | MSG_DONTWAIT);
      err = errno;
      if (n > 0) {
        int atmark = 0;
        urgent = ::ioctl(sd_->native_handle(), SIOCATMARK, &atmark) == 0 && atmark;
        limit_iov(iov, &niov, urgent ? 1 : size_t(n));
        mh.msg_iovlen = size_t(niov);
        n = ::recvmsg(sd_->native_handle(), &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        err = errno;
      } else {
        mh.msg_controllen = 0;  // nothing received: no rights to take
      }
    } else {
      const bool p = peek && !discard;
      n = ::recvmsg(sd_->native_handle(), &mh, (p ? MSG_PEEK : 0) | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      err = errno;
      if (p && n > 0) peeked_ += n;
      if (!p && peeked_ > 0 && n >= 0) peeked_ = std::max(0L, peeked_ - long(n));
    }
    // A failed recvmsg leaves msg_control untouched: only a success carries fds.
    std::vector<int> fds = n >= 0 ? rights_from_msg(mh) : std::vector<int>{};
    if (n <= 0) {
      m_freem(top);
      close_all(fds);
      if (n < 0 && err == EINTR) continue;
      if (n < 0 && would_block(err)) {
        wait_read();
        return false;
      }
      if (n < 0 && err == ECONNRESET) app_reset_ = true;  // closed with data unread (reported once)
      on_eof();  // EOF, or an error that ends the channel the same way
      return false;
    }
    top = trim_chain(top, iov, size_t(n));
    total += size_t(n);
    mbuf* control = fds.empty() ? nullptr : rights_mbuf(fds);
    if (!fds.empty() && !control) close_all(fds);
    if (discard) {
      m_freem(top);
      if (control) dispose_rights(control);
      log->trace("socket {}: channel -> discarded {} bytes (cannot send more)", id_, n);
      continue;
    }
    int e = sosend_chain(top, control, urgent ? MSG_OOB : 0);
    log->trace("socket {}: channel -> so_snd {} bytes{}{}: {}", id_, n, control ? " +rights" : "", urgent ? " urgent" : "", e);
  }
  return total >= kMaxIn;
}

bool Chan::input_record() {
  static const auto log = logger("chan");  // per read: no registry lookup
  for (int records = 0; records < 64; ++records) {
    if (!so_ || !sd_) return false;
    const int fd = sd_->native_handle();
    ssize_t len = ::recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (len < 0 && errno == EINTR) continue;
    if (len < 0) {
      if (errno == ECONNRESET) app_reset_ = true;
      if (would_block(errno)) wait_read();
      else on_eof();
      return false;
    }
    if (len == 0) {  // an empty record, or EOF
      pollfd p{fd, POLLRDHUP, 0};
      if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP))) {
        on_eof();
        return false;
      }
    }
    bool discard = (so_->so_snd.sb_state & SBS_CANTSENDMORE) != 0;
    long space = sosendspace(*so_);
    if (!discard && space < len && size_t(len) <= so_->so_snd.sb_hiwat) {
      in_blocked_ = true;  // the whole record waits for room
      wait_read();
      return false;
    }
    in_blocked_ = false;
    iovec iov[kMaxIov];
    int niov = 0;
    mbuf* top = len ? alloc_chain(size_t(len), iov, &niov) : m_gethdr(M_NOWAIT, MType::Data);
    if (!top) return false;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(ipc::kMaxFds * sizeof(int))];
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = size_t(niov);
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t n = ::recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    std::vector<int> fds = n >= 0 ? rights_from_msg(mh) : std::vector<int>{};
    if (n < 0) {
      m_freem(top);
      close_all(fds);
      continue;
    }
    if (len) top = trim_chain(top, iov, size_t(n));
    mbuf* control = fds.empty() ? nullptr : rights_mbuf(fds);
    if (!fds.empty() && !control) close_all(fds);
    if (discard || (mh.msg_flags & MSG_TRUNC)) {
      m_freem(top);
      if (control) dispose_rights(control);
      continue;
    }
    int e = sosend_chain(top, control, kind_ == ChanKind::Seqpacket ? MSG_EOR : 0);
    log->trace("socket {}: channel -> record of {} bytes{}: {}", id_, n, control ? " +rights" : "", e);
  }
  return true;
}

// The application's shutdown(SHUT_WR|SHUT_RDWR), announced by the shim
// before its own shutdown(2). shutdown(SHUT_RD) on this end gives the
// application's end exactly the state its own SHUT_WR gives (AF_UNIX
// mirrors it: SEND_SHUTDOWN there, RCV_SHUTDOWN here), so the EOF is
// readable here now, after the data before it, and the pump that runs
// before the reply passes it on (Linux: the peer sees EOF when the call
// returns, not when the daemon next wakes up).
void Chan::app_shutdown_write() {
  if (!sd_ || listening() || kind_ == ChanKind::Dgram) return;
  app_wr_pending_ = true;
  if (!rd_shut_) {
    rd_shut_ = true;
    ::shutdown(sd_->native_handle(), SHUT_RD);
  }
  kick();
}

// EOF on the channel: the last close (hang-up too), or shutdown(SHUT_WR).
void Chan::on_eof() {
  if (!so_ || !sd_) return;
  pollfd p{sd_->native_handle(), POLLRDHUP, 0};
  bool hup = ::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
  // POLLHUP also follows shutdown(SHUT_RDWR), or SHUT_WR after our own
  // shutdowns: the application's end still existing (UNIX_DIAG peer) says
  // it was not the last close.
  if (hup && ino_) {
    auto info = d_.diag().lookup(ino_);
    if (info && info->peer_ino != 0) hup = false;
  }
  // Delivered but not yet accepted: the application's end is an embryo in
  // the kernel listener's queue, which has no inode for UNIX_DIAG to show.
  // It ends with the listener (close_socket of the head resets it, Linux
  // inet_csk_listen_stop), not here, and its EOF is no SHUT_WR either: a
  // FIN now would reach the peer before that reset.
  if (hup && so_->so_head) return;
  if (hup) {
    set_state(ChanState::Closed);
    d_.close_socket(*so_, "last close");
    return;
  }
  // After our own shutdown(SHUT_RD) the EOF is ours, not the application's,
  // unless the application's SHUT_WR was the reason for it.
  if (!app_shut_wr_ && (!rd_shut_ || app_wr_pending_)) {
    app_shut_wr_ = true;
    logger("socket")->debug("socket {}: application shut down writing", id_);
    soshutdown(*so_, SHUT_WR);
  }
  wait_read();  // only the later hang-up (or a spurious edge) wakes us
}

// --- stack -> channel ---------------------------------------------------

void Chan::output() {
  if (app_shut_rd_) return;  // so_rcv keeps it for the shim (app_shutdown_read)
  if (out_dead_) {
    // The application shut down reading: what arrives is dropped, as Linux does.
    Sockbuf& sb = so_->so_rcv;
    while (sb.sb_mb) {
      strip_rights(sb);
      sbdroprecord(sb);
    }
    return;
  }
  bool more = kind_ == ChanKind::Stream ? output_stream() : output_record();
  if (more && so_) kick();
}

// SO_RCVLOWAT on an inet stream (Linux tcp_poll: readable once
// rcvlowat bytes are there, or at EOF, on an error, or when the receive
// buffer is nearly full). AF_UNIX poll ignores it on the application's end,
// so the daemon keeps so_rcv's bytes from an empty channel until then; once
// the channel holds bytes it is readable anyway and takes everything.
// DEVIATION: bytes already in the channel stay readable after the program
// read part of them, even below its low-water mark.
bool Chan::below_rcvlowat() {
  const Sockbuf& sb = so_->so_rcv;
  if (so_->so_rcvlowat <= 1 || !inet_stream(so_) || !sb.sb_mb) return false;
  if ((sb.sb_state & SBS_CANTRCVMORE) || so_->so_error) return false;
  if (long(sb.sb_cc) >= so_->so_rcvlowat || sb.sb_cc >= sb.sb_hiwat - sb.sb_hiwat / 8) return false;
  return held_outbound() == 0;
}

// Returns true when a budget ran out with data left and the channel writable.
bool Chan::output_stream() {
  static const auto log = logger("chan");  // per write: no registry lookup
  Sockbuf& sb = so_->so_rcv;
  size_t sent_total = 0;
  if (below_rcvlowat()) return false;  // so_rcv keeps it until SO_RCVLOWAT is reached
  while (sb.sb_mb && sd_) {
    if (sent_total >= 4 * kMaxOut) return true;
    iovec iov[kMaxIov];
    int niov = 0;
    size_t bytes = 0;
    std::vector<int> rights;
    bool stop = false;
    // Urgent data (TCP keeps the urgent byte in so_rcv, as Linux does): the
    // bytes before it, then the byte alone as AF_UNIX's out-of-band byte,
    // so that the application's kernel stops reads at the mark, skips the
    // byte unless SO_OOBINLINE, answers recv(MSG_OOB) and SIOCATMARK, polls
    // POLLPRI and sends SIGURG to the F_SETOWN owner, as Linux TCP does.
    const long mark = sooobmark(*so_);
    const size_t limit = mark > 0 ? size_t(mark) : mark == 0 ? 1 : SIZE_MAX;
    for (mbuf* rec = sb.sb_mb; rec && !stop; rec = rec->m_nextpkt) {
      for (mbuf* m = rec; m; m = m->m_next) {
        if (m->m_type == MType::Control) {
          // Rights travel with the first byte of their record, alone.
          if (rec != sb.sb_mb) { stop = true; break; }
          append_rights(m, rights);
          continue;
        }
        if (m->m_type == MType::Soname || m->m_len <= 0) continue;
        if (niov == kMaxIov || bytes >= kMaxOut || bytes >= limit) { stop = true; break; }
        const size_t len = std::min(size_t(m->m_len), limit - bytes);
        iov[niov++] = {m->m_data, len};
        bytes += len;
      }
      if (!rights.empty()) stop = true;
    }
    if (bytes == 0 && rights.empty()) {  // only empty mbufs: drop the record
      sbdroprecord(sb);
      continue;
    }
    ssize_t n = send_with_rights(sd_->native_handle(), iov, niov, rights, mark == 0 ? MSG_OOB : 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && would_block(errno)) {
      wait_write();
      return false;
    }
    if (n < 0) {
      if (errno == ECONNRESET) app_reset_ = true;  // the error was the app's unread data: keep it
      log->debug("socket {}: channel write: {}: dropping input", id_, std::strerror(errno));
      out_dead_ = true;
      output();
      return false;
    }
    if (!rights.empty() && n > 0) strip_rights(sb);  // sent: the kernel holds its own references
    if (n > 0) sbdrop(sb, int(n));
    sent_total += size_t(n);
    if (so_->so_proto->pr_flags & PR_WANTRCVD) so_->so_proto->pr_usrreqs.pru_rcvd(*so_, 0);
    log->trace("socket {}: so_rcv -> channel {} of {} bytes{}", id_, n, bytes, rights.empty() ? "" : " +rights");
    if (size_t(n) < bytes) {
      wait_write();
      return false;
    }
  }
  return false;
}

// An inet datagram socket's so_error (an ICMP error) goes to the application
// ahead of the datagrams still queued, as an error record (PROTOCOL.md); the
// shim asks for SO_ERROR when it reads one, so the error is consumed once,
// by whichever of recv, send and getsockopt comes first, as in Linux.
// DEVIATION: datagrams already in the channel are read before it. Returns
// false when the channel is full (wait for room).
bool Chan::post_error() {
  const Domain* dom = so_->so_proto->pr_domain;
  if (!so_->so_error || !dom || (dom->dom_family != AF_INET && dom->dom_family != AF_INET6)) {
    err_posted_ = false;  // consumed (the dispatcher kicks us after it)
    return true;
  }
  if (err_posted_) return true;
  ipc::DgramHeader h{};
  h.flags = ipc::kDgramError;
  static const std::byte slots[ipc::kMaxAddr + ipc::kMaxCtl]{};
  iovec iov[2] = {{&h, sizeof h}, {const_cast<std::byte*>(slots), sizeof slots}};
  ssize_t n = send_with_rights(sd_->native_handle(), iov, 2, {});
  if (n < 0 && (would_block(errno) || errno == ENOBUFS || errno == EINTR)) {
    wait_write();
    return false;
  }
  err_posted_ = true;  // (or the channel is dead: nobody to tell)
  logger("chan")->trace("socket {}: so_error {} -> channel", id_, so_->so_error);
  return true;
}

bool Chan::output_record() {
  static const auto log = logger("chan");  // per write: no registry lookup
  Sockbuf& sb = so_->so_rcv;
  if (kind_ == ChanKind::Dgram && !post_error()) return false;
  for (int records = 0; sb.sb_mb && sd_; ++records) {
    if (records == 256) return true;
    mbuf* rec = sb.sb_mb;
    SockAddr from;
    std::vector<int> rights;
    ipc::DgramHeader h{};
    alignas(cmsghdr) std::byte ctl[ipc::kMaxCtl];
    size_t ctllen = 0;
    bool ctrunc = false;
    iovec iov[kMaxIov];
    int niov = kind_ == ChanKind::Dgram ? 3 : 0;
    size_t bytes = 0;
    std::vector<std::byte> flat;  // only for chains longer than kMaxIov
    for (mbuf* m = rec; m; m = m->m_next) {
      if (m->m_type == MType::Soname) {
        from = SockAddr::from(m->m_data, socklen_t(m->m_len));
      } else if (m->m_type == MType::Control) {
        append_rights(m, rights);
        if (kind_ == ChanKind::Dgram) append_cmsgs(m, ctl, sizeof ctl, &ctllen, &ctrunc);
      } else if (m->m_len > 0) {
        bytes += size_t(m->m_len);
      }
    }
    if (niov + m_length(rec) / int(MLEN) + 8 > kMaxIov) {  // rare: flatten a long chain
      flat.resize(bytes);
      size_t off = 0;
      for (mbuf* m = rec; m; m = m->m_next)
        if ((m->m_type == MType::Data || m->m_type == MType::Header) && m->m_len > 0) {
          std::memcpy(flat.data() + off, m->m_data, size_t(m->m_len));
          off += size_t(m->m_len);
        }
      iov[niov++] = {flat.data(), flat.size()};
    } else {
      for (mbuf* m = rec; m; m = m->m_next)
        if ((m->m_type == MType::Data || m->m_type == MType::Header) && m->m_len > 0 && niov < kMaxIov)
          iov[niov++] = {m->m_data, size_t(m->m_len)};
    }
    if (kind_ == ChanKind::Dgram) {
      h.addrlen = uint16_t(from.len);
      h.ctllen = uint16_t(ctllen);
      h.datalen = uint32_t(bytes);
      h.flags = ctrunc ? ipc::kDgramCtrunc : 0;
      std::memset(ctl + ctllen, 0, sizeof ctl - ctllen);
      iov[0] = {&h, sizeof h};
      // The slots have fixed sizes so that the shim can receive header,
      // address, control and payload with one recvmsg into the caller's buffers.
      iov[1] = {&from.ss, ipc::kMaxAddr};
      iov[2] = {ctl, ipc::kMaxCtl};
    }
    ssize_t n = send_with_rights(sd_->native_handle(), iov, niov, rights);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (would_block(errno) || errno == ENOBUFS)) {
      wait_write();
      return false;
    }
    if (n < 0 && errno != EMSGSIZE) {
      if (errno == ECONNRESET) app_reset_ = true;
      log->debug("socket {}: channel write: {}: dropping input", id_, std::strerror(errno));
      out_dead_ = true;
      output();
      return false;
    }
    if (n < 0) log->warn("socket {}: record of {} bytes too big for the channel: dropped", id_, bytes);
    strip_rights(sb);  // sent (the kernel holds its own references) or dropped
    sbdroprecord(sb);
    if (so_->so_proto->pr_flags & PR_WANTRCVD) so_->so_proto->pr_usrreqs.pru_rcvd(*so_, 0);
    log->trace("socket {}: so_rcv -> channel record of {} bytes", id_, bytes);
  }
  return false;
}

// The stack reset the connection: so_error set with the connection gone
// (an RST, ETIMEDOUT) and both directions ended. A local socket whose peer
// went away with data unread stays "connected" (Linux keeps unix_peer).
bool Chan::reset_pending() const {
  if (!so_ || !so_->so_proto || !so_->so_proto->pr_domain) return false;
  const bool local = so_->so_proto->pr_domain->dom_family == AF_UNIX;
  return so_->so_error && !(so_->so_state & SS_ISCONNECTING) && (local || !(so_->so_state & SS_ISCONNECTED)) &&
         (so_->so_snd.sb_state & SBS_CANTSENDMORE) && (so_->so_rcv.sb_state & SBS_CANTRCVMORE) &&
         kind_ != ChanKind::Dgram;
}

// A reset shows on the application's end as Linux shows a reset TCP socket:
// closing the daemon's end while it holds data the application wrote and
// the daemon has not read gives the application's end the kernel's own
// ECONNRESET (sk_err: POLLERR, read ECONNRESET once then 0, writes EPIPE)
// with both shutdowns (unix_release_sock). When that end holds nothing
// unread, leave_unread puts one byte there first. Runs once so_rcv is
// delivered, and not before accept (so_head: the application's end is an
// embryo in the kernel listener, out of reach). The application's socket
// stays (Unconnected, its inode remembered) until it closes it. When the
// byte cannot be left, the shutdowns in check_state end the channel and
// the shim reports so_error at EOF (DEVIATION in PROTOCOL.md: no POLLERR).
bool Chan::reset_with_unread() {
  if (!reset_pending() || (so_->so_rcv.sb_mb && !app_shut_rd_) || so_->so_head) return false;
  auto info = ino_ ? d_.diag().lookup(ino_) : std::nullopt;
  if (!info || !info->peer_ino) return false;
  if (channel_inq(sd_->native_handle()) <= 0 && !leave_unread(info->peer_ino)) return false;
  logger("chan")->debug("socket {}: reset: channel closed with data unread ({})", id_, std::strerror(so_->so_error));
  app_ino_ = info->peer_ino;
  close_channel();
  set_state(ChanState::Unconnected);
  return true;
}

// connect(AF_UNSPEC): Linux's tcp_disconnect leaves the socket as new,
// unconnected, its queues purged. The application's fd cannot become
// unconnected again in the kernel: it is spent as after a failed connect
// (the shim renews it, PROTOCOL.md "Connecting again"); what the channel
// holds either way goes with it, as Linux purges both queues.
void Chan::disconnect_app() {
  if (connecting()) {
    close_connect_listener();  // the application's embryo is reset
  } else if (state_ == ChanState::Connected && sd_ && kind_ == ChanKind::Stream) {
    auto info = ino_ ? d_.diag().lookup(ino_) : std::nullopt;
    if (info && info->peer_ino) app_ino_ = info->peer_ino;
    close_channel();
  } else if (!unconnected()) {
    return;  // (Unconnected: e.g. shown a reset; a fresh socket connects again)
  }
  filler_expected_ = false;
  filler_left_ = 0;
  filler_hdr_got_ = 0;
  in_blocked_ = app_shut_wr_ = app_wr_pending_ = wr_shut_ = rd_shut_ = app_shut_rd_ = false;
  out_dead_ = app_reset_ = err_posted_ = reset_tried_ = false;
  connect_unreported_ = ever_connected_ = fin_first_ = false;
  app_spent_ = true;
  set_state(ChanState::Unconnected);
  logger("chan")->debug("socket {}: disconnected (AF_UNSPEC): the application's socket is renewed", id_);
}

void Chan::note_holder(pid_t pid, int fd) {
  if (pid <= 0) return;
  auto it = std::find_if(holders_.begin(), holders_.end(), [pid](const AppHolder& h) { return h.pid == pid; });
  AppHolder h{pid, fd};
  if (it != holders_.end()) {
    if (fd < 0) h.fd = it->fd;
    holders_.erase(it);
  } else if (holders_.size() == 4) {
    holders_.pop_back();
  }
  holders_.insert(holders_.begin(), h);
}

// Write one byte into the daemon's end through a duplicate of the
// application's end (app_fd.hpp): the nonblocking send of any holder of
// that socket, not the application's own data. Impossible once the
// application's end cannot write (its SHUT_WR, or ours: SHUT_RD here).
bool Chan::leave_unread(uint64_t app_ino) {
  if (reset_tried_ || rd_shut_ || app_shut_wr_ || holders_.empty()) return false;
  reset_tried_ = true;
  int fd = borrow_app_socket(holders_, app_ino);
  if (fd < 0) {
    static bool warned = false;
    if (fd != -ENOENT && !std::exchange(warned, true))
      logger("chan")->warn("cannot take the application's channel end (pid {}): {}; a reset shows as EOF without POLLERR",
                           holders_.front().pid, std::strerror(-fd));
    else
      logger("chan")->debug("socket {}: application's channel end not found: {}", id_, std::strerror(-fd));
    return false;
  }
  UniqueFd app(fd);
  const char byte = 0;
  ssize_t n = ::send(app.get(), &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n != 1) logger("chan")->debug("socket {}: leaving a byte unread: {}", id_, std::strerror(errno));
  return n == 1;
}

void Chan::check_state() {
  const int fd = sd_->native_handle();
  // Writing first: when the peer went away, an application that has read
  // EOF must find its writes failing already (EPIPE), never one more
  // success between the two shutdowns.
  if (!rd_shut_ && (so_->so_snd.sb_state & SBS_CANTSENDMORE)) {
    rd_shut_ = true;  // the application's writes now get EPIPE from its kernel
    ::shutdown(fd, SHUT_RD);
    logger("chan")->debug("socket {}: cannot send more -> channel", id_);
  }
  if ((so_->so_rcv.sb_state & SBS_CANTRCVMORE) && !wr_shut_ && !so_->so_error &&
      (so_->so_state & SS_ISCONNECTED))
    fin_first_ = true;
  if (!wr_shut_ && (so_->so_rcv.sb_state & SBS_CANTRCVMORE) && !so_->so_rcv.sb_mb) {
    wr_shut_ = true;  // the peer is done sending: the application reads 0
    ::shutdown(fd, SHUT_WR);
    logger("chan")->debug("socket {}: end of data -> channel", id_);
  }
}

}  // namespace tunsock::daemon
