// Listener delivery (PROTOCOL.md "Listening"): a listening stack socket is
// represented in the application by a kernel listener bound to the socket's
// channel name. For each connection on so_comp the daemon makes the new
// socket's channel and connect()s it to that listener; accept(2) in the
// application is then a real accept. FreeBSD: the so_comp half of kern_accept.
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
  listening_ = true;
  if (!retry_) retry_.emplace(d_.io());
  kick();  // connections may already be queued
  return fd.release();
}

void Chan::listen_in_place() {
  listen_namelen_ = ipc::channel_name(d_.instance(), id_, &listen_name_);
  listener_ino_ = app_ino_;
  listening_ = true;
  if (!retry_) retry_.emplace(d_.io());
  kick();  // deliveries before the shim's listen(2) are refused: retried
}

int Chan::open_unconnected() {
  sockaddr_un name;
  socklen_t len = ipc::channel_name(d_.instance(), id_, &name);
  // Blocking: the shim applies SOCK_NONBLOCK itself.
  UniqueFd fd(::socket(AF_UNIX, chan_socktype(kind_) | SOCK_CLOEXEC, 0));
  if (!fd) return -errno;
  struct stat st;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&name), len) < 0 || ::fstat(fd.get(), &st) < 0) return -errno;
  app_ino_ = st.st_ino;
  return fd.release();
}

bool Chan::unconnected_gone() {
  if (!so_ || sd_ || listening_ || !app_ino_) return false;
  return !d_.diag().exists(app_ino_);
}

int Chan::open_connect_listener(sockaddr_un* name, socklen_t* len) {
  *len = ipc::connect_name(d_.instance(), id_, name);
  UniqueFd fd(::socket(AF_UNIX, chan_socktype(kind_) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return -errno;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(name), *len) < 0 || ::listen(fd.get(), 1) < 0) return -errno;
  connl_.emplace(d_.io(), fd.release());
  d_.note_connecting(shared_from_this());
  wait_connection();
  return 0;
}

void Chan::wait_connection() {
  connl_->async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       if (!ec && !self->take_connection() && self->connl_) self->wait_connection();
                     });
}

// The application's socket connected to the connect listener: its peer is
// this channel's daemon end from now on.
bool Chan::take_connection() {
  if (!connl_) return true;
  int fd = ::accept4(connl_->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return !(errno == EAGAIN || errno == EINTR || errno == ECONNABORTED);
  boost::system::error_code ec;
  connl_->close(ec);  // cancels the wait
  connl_.reset();
  if (!so_) {
    ::close(fd);
    return true;
  }
  logger("chan")->debug("socket {}: channel connected", id_);
  attach(fd);
  return true;
}

bool Chan::listener_gone() {
  return listening_ && listener_ino_ != 0 && !d_.diag().exists(listener_ino_);
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
