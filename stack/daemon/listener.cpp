// Setting a channel up (PROTOCOL.md "The channel's states"): unconnected
// sockets, connecting (the connect listener and the shim's filler), and
// listener delivery: a listening stack socket is represented in the
// application by a kernel listener bound to the socket's channel name. For
// each connection on so_comp the daemon makes the new socket's channel and
// connect()s it to that listener; accept(2) in the application is then a
// real accept. FreeBSD: the so_comp half of kern_accept.
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "daemon/channel.hpp"
#include "daemon/daemon.hpp"
#include "daemon/fd.hpp"
#include "daemon/log.hpp"
#include "ipc/protocol.hpp"

namespace tunsock::daemon {

int Chan::open_listener() {
  // The old channel's name is the listener's: release it first. Its
  // hang-up in the application (dup3 over it) is expected.
  close_channel();
  listen_namelen_ = ipc::channel_name(d_.instance(), id_, &listen_name_);
  // Blocking: the shim copies O_NONBLOCK from the application's old fd.
  UniqueFd fd(::socket(AF_UNIX, chan_socktype(kind_) | SOCK_CLOEXEC, 0));
  if (!fd) return -errno;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&listen_name_), listen_namelen_) < 0 ||
      ::listen(fd.get(), 4096) < 0)
    return -errno;
  struct stat st;
  listener_ino_ = ::fstat(fd.get(), &st) == 0 ? st.st_ino : 0;
  set_state(ChanState::Listening);
  if (!retry_) retry_.emplace(d_.io());
  kick();  // connections may already be queued
  return fd.release();
}

void Chan::listen_in_place() {
  listen_namelen_ = ipc::channel_name(d_.instance(), id_, &listen_name_);
  listener_ino_ = app_ino_;
  set_state(ChanState::Listening);
  if (!retry_) retry_.emplace(d_.io());
  kick();  // deliveries before the shim's listen(2) are refused: retried
}

int Chan::open_unconnected(bool named) {
  sockaddr_un name;
  socklen_t len = ipc::channel_name(d_.instance(), id_, &name);
  // Blocking: the shim applies SOCK_NONBLOCK itself.
  UniqueFd fd(::socket(AF_UNIX, chan_socktype(kind_) | SOCK_CLOEXEC, 0));
  if (!fd) return -errno;
  struct stat st;
  if ((named && ::bind(fd.get(), reinterpret_cast<sockaddr*>(&name), len) < 0) || ::fstat(fd.get(), &st) < 0)
    return -errno;
  // The application's end holds what it wrote until the daemon reads it:
  // tied to the socket's SO_SNDBUF (inet stream), so that a nonblocking
  // writer's bytes before EAGAIN stay near the kernel's figure.
  if (int v = app_sndbuf()) ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  app_ino_ = st.st_ino;
  set_state(ChanState::Unconnected);
  return fd.release();
}

bool Chan::unconnected_gone() {
  if (!so_ || sd_ || !app_ino_ || (state_ != ChanState::Unconnected && state_ != ChanState::Connecting)) return false;
  return !d_.diag().exists(app_ino_);
}

int Chan::open_connect_listener(sockaddr_un* name, socklen_t* len, bool in_progress) {
  *len = ipc::connect_name(d_.instance(), id_, name);
  UniqueFd fd(::socket(AF_UNIX, chan_socktype(kind_) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return -errno;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(name), *len) < 0 || ::listen(fd.get(), 1) < 0) return -errno;
  connl_.emplace(d_.io(), fd.release());
  filler_expected_ = in_progress;
  set_state(ChanState::Connecting);
  d_.note_connecting(shared_from_this());
  wait_connection();
  return 0;
}

void Chan::wait_connection() {
  connl_->async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       if (!ec && !self->take_connection() && self->connl_ && !self->filler_expected_)
                         self->wait_connection();
                     });
}

void Chan::close_connect_listener() {
  if (!connl_) return;
  boost::system::error_code ec;
  connl_->close(ec);  // cancels the wait
  connl_.reset();
}

// The application's socket connected to the connect listener: its peer is
// this channel's daemon end from now on. A connect in progress (filler) is
// taken only once the stack has connected: until then the application's
// socket stays an embryo that polls neither IN nor OUT.
bool Chan::take_connection() {
  if (!connl_) return true;
  if (filler_expected_ && so_ && !(so_->so_state & SS_ISCONNECTED) && !ever_connected_) {
    kick();  // connect_progress decides (still connecting, or failed)
    return false;
  }
  int fd = ::accept4(connl_->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    const bool later = errno == EAGAIN || errno == EINTR || errno == ECONNABORTED;
    if (later && filler_expected_) wait_connection();  // the shim's connect is on its way
    return !later;
  }
  close_connect_listener();
  if (!so_) {
    ::close(fd);
    return true;
  }
  logger("chan")->debug("socket {}: channel connected", id_);
  d_.joined();
  if (filler_expected_) {
    filler_left_ = -1;  // its header first
    filler_hdr_got_ = 0;
    filler_expected_ = false;
  }
  attach(fd);
  return true;
}

// Connecting: the stack's connect went on (so_statechange) or the
// application's socket arrived. Connected: take the channel (the filler is
// discarded before any data, which makes the application's end writable:
// POLLOUT by itself). Neither connected nor connecting: the connect failed
// (so_error holds why): closing the connect listener resets the embryo,
// so the application's end polls IN|OUT|ERR|HUP|RDHUP as a failed TCP
// connect does; SO_ERROR comes from the daemon (the shim asks).
void Chan::connect_progress() {
  if (!so_ || !connl_) return;
  if ((so_->so_state & SS_ISCONNECTED) || ever_connected_) {
    take_connection();  // connected (and maybe reset since: the channel shows it)
    return;
  }
  if (so_->so_state & SS_ISCONNECTING) return;  // the next state change kicks us
  // Failed. Reset the application's socket only once it is there (the
  // shim connects it right after the reply): closing the listener before
  // would leave it unconnected, polling OUT|HUP instead of the failure.
  pollfd p{connl_->native_handle(), POLLIN, 0};
  if (::poll(&p, 1, 0) != 1) {
    wait_connection();
    return;
  }
  logger("chan")->debug("socket {}: connect failed: {}", id_, so_->so_error ? std::strerror(so_->so_error) : "-");
  close_connect_listener();
  filler_expected_ = false;
  app_spent_ = true;
  set_state(ChanState::Unconnected);
}

// Discard the connect filler (its header gives the length) before the data
// the application writes once its end is writable. False: wait for more.
bool Chan::drain_filler() {
  const int fd = sd_->native_handle();
  for (int rounds = 0; filler_left_ != 0 && rounds < 64; ++rounds) {
    char scratch[4096];
    const bool hdr = filler_left_ < 0;
    void* at = hdr ? static_cast<void*>(filler_hdr_ + filler_hdr_got_) : scratch;
    size_t want = hdr ? sizeof filler_hdr_ - filler_hdr_got_ : std::min<size_t>(size_t(filler_left_), sizeof scratch);
    ssize_t n = ::recv(fd, at, want, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_read();
      return false;
    }
    if (n <= 0) {  // EOF or an error: on_eof's business
      filler_left_ = 0;
      return true;
    }
    if (!hdr) {
      filler_left_ -= n;
      continue;
    }
    filler_hdr_got_ += size_t(n);
    if (filler_hdr_got_ < sizeof filler_hdr_) continue;
    ipc::ConnectFiller h;
    std::memcpy(&h, filler_hdr_, sizeof h);
    if (h.magic != ipc::kFillerMagic || h.len < sizeof h) {
      logger("chan")->warn("socket {}: bad connect filler: 8 bytes dropped", id_);
      filler_left_ = 0;
    } else {
      filler_left_ = long(h.len - sizeof h);
    }
  }
  if (filler_left_ != 0) kick();  // budget spent
  return filler_left_ == 0;
}

bool Chan::listener_gone() {
  return listening() && listener_ino_ != 0 && !d_.diag().exists(listener_ino_);
}

void Chan::arm_retry() {
  if (retry_armed_ || !retry_) return;
  retry_armed_ = true;
  retry_->expires_after(std::chrono::milliseconds(20));
  retry_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->retry_armed_ = false;
    if (!ec) self->kick();
  });
}

void Chan::deliver() {
  auto log = logger("socket");
  // Shut down: the application's kernel listener refuses connections now
  // (and the stack takes no new ones); what is queued waits for the close.
  if (so_->so_rcv.sb_state & SBS_CANTRCVMORE) return;
  std::vector<Socket*> pending(so_->so_comp.begin(), so_->so_comp.end());
  for (Socket* s : pending) {
    if (!so_) return;
    if (d_.chan(s->so_id)) continue;  // delivered, not yet accepted
    if (d_.awaits_join(*s, weak_from_this())) continue;  // its connecting side's fd is not connected yet
    auto c = d_.add_chan(*s);
    UniqueFd fd(::socket(AF_UNIX, chan_socktype(c->kind()) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_un name;
    socklen_t len = ipc::channel_name(d_.instance(), s->so_id, &name);
    int rc = fd ? ::bind(fd.get(), reinterpret_cast<sockaddr*>(&name), len) : -1;
    if (rc == 0) rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&listen_name_), listen_namelen_);
    if (rc == 0) {
      c->attach(fd.release());
      logger("chan")->debug("socket {}: delivered to listener of socket {}", s->so_id, id_);
      continue;
    }
    int e = errno;
    d_.forget_chan(s->so_id);
    if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) {  // the kernel's accept queue is full
      arm_retry();
      return;
    }
    if (e == ECONNREFUSED || e == ENOENT) {  // the application closed the listener
      if (listener_gone()) {
        d_.close_socket(*so_, "listener closed");
        return;
      }
      arm_retry();
      return;
    }
    log->warn("socket {}: cannot deliver socket {}: {}", id_, s->so_id, std::strerror(e));
    arm_retry();
    return;
  }
}

}  // namespace tunsock::daemon
