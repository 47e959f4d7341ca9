// Control socket: accept, check SO_PEERCRED, read records with SCM_RIGHTS,
// validate, dispatch, reply. Malformed input never crashes the daemon: a
// record whose fixed header parsed gets an error reply, anything else closes
// that connection only. Fds attached where none are expected are closed.
#include "daemon/control_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "daemon/fd.hpp"
#include "daemon/log.hpp"

namespace tunsock::daemon {

struct ControlServer::Conn {
  Conn(asio::io_context& io, int fd) : sd(io, fd) {}
  asio::posix::stream_descriptor sd;
  Ucred cred;
  std::deque<CtlReply> out;      // replies the socket had no room for yet
  bool reading = false;          // an async_wait(read) is outstanding
  bool writing = false;
  bool dead = false;
  ~Conn() {
    for (auto& r : out) close_all(r.fds);
  }
};

namespace {

constexpr size_t kMaxReplyPayload = 128 * 1024;  // under the default SO_SNDBUF for one record
constexpr int kRequestsPerWake = 64;

bool op_takes_fds(uint16_t op) { return op == uint16_t(ipc::Op::SendTo); }

const char* op_name(uint16_t op) {
  static const char* names[] = {"?", "Hello", "Socket", "Socketpair", "Bind", "Listen", "Connect",
                                "Accepted", "Identify", "Shutdown", "GetSockName", "GetPeerName",
                                "GetSockOpt", "SetSockOpt", "SendTo", "Closed", "Ioctl", "Stats",
                                "RecvErr"};
  return op < std::size(names) ? names[op] : "?";
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, std::string path, uid_t owner_uid, Handler h)
    : io_(io), path_(std::move(path)), owner_uid_(owner_uid), handler_(std::move(h)),
      rbuf_(sizeof(ipc::Request) + ipc::kMaxAddr + ipc::kMaxRecord + 1) {}

ControlServer::~ControlServer() { close(); }

int ControlServer::open() {
  auto log = logger("ctl");
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof sun.sun_path) return ENAMETOOLONG;
  std::memcpy(sun.sun_path, path_.data(), path_.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return errno;
  // A stale socket file from a daemon that died: replace it, unless a live
  // daemon still answers there.
  struct stat st;
  if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    UniqueFd probe(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0) return EADDRINUSE;
    ::unlink(path_.c_str());
  }
  // Mode 0600 from birth (umask), and chmod in case umask was ignored.
  mode_t old = ::umask(0177);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun);
  int err = errno;
  ::umask(old);
  if (rc < 0) return err;
  ::chmod(path_.c_str(), 0600);
  if (::listen(fd.get(), 128) < 0) {
    err = errno;
    ::unlink(path_.c_str());
    return err;
  }
  listener_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd.release());
  open_ = true;
  log->info("listening on {}", path_);
  on_accept();  // also arms the first wait
  return 0;
}

void ControlServer::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  if (listener_) listener_->close(ec);
  listener_.reset();
  for (auto& [p, c] : conns_) {
    c->dead = true;
    c->sd.close(ec);
  }
  conns_.clear();
  ::unlink(path_.c_str());
  logger("ctl")->info("closed {}", path_);
}

void ControlServer::wait_accept() {
  if (!open_) return;
  listener_->async_wait(asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
    if (ec || !open_) return;
    on_accept();
  });
}

void ControlServer::on_accept() {
  auto log = logger("ctl");
  for (;;) {
    int fd = ::accept4(listener_->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) log->warn("accept: {}", std::strerror(errno));
      break;
    }
    ucred uc{};
    socklen_t len = sizeof uc;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || (uc.uid != owner_uid_ && uc.uid != 0)) {
      log->warn("rejected connection from pid {} uid {} (daemon serves uid {})", uc.pid, uc.uid, owner_uid_);
      ++stats_.rejected;
      ::close(fd);
      continue;
    }
    auto c = std::make_shared<Conn>(io_, fd);
    c->cred = Ucred{uc.pid, uc.uid, uc.gid};
    conns_[c.get()] = c;
    ++stats_.accepted;
    log->debug("connection from pid {} uid {}", uc.pid, uc.uid);
    on_readable(c);  // requests may already be queued
  }
  wait_accept();
}

void ControlServer::drop(Conn& c) {
  if (c.dead) return;
  c.dead = true;
  boost::system::error_code ec;
  c.sd.close(ec);
  logger("ctl")->debug("connection from pid {} closed", c.cred.pid);
  conns_.erase(&c);  // may destroy c: callers return at once
}

void ControlServer::start_read(const std::shared_ptr<Conn>& c) {
  if (c->dead || c->reading) return;
  c->reading = true;
  c->sd.async_wait(asio::posix::stream_descriptor::wait_read, [this, c](boost::system::error_code ec) {
    c->reading = false;
    if (ec || c->dead) return;
    on_readable(c);
  });
}

void ControlServer::on_readable(const std::shared_ptr<Conn>& c) {
  alignas(cmsghdr) char cbuf[CMSG_SPACE(ipc::kMaxFds * sizeof(int))];
  for (int i = 0; i < kRequestsPerWake; ++i) {
    if (c->dead) return;
    if (!c->out.empty()) return;  // back-pressure: no new request until replies left
    iovec iov{rbuf_.data(), rbuf_.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t n = ::recvmsg(c->sd.native_handle(), &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return start_read(c);
    std::vector<int> fds;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
      if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
      size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t j = 0; j < k; ++j) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(cm) + j * sizeof(int), sizeof fd);
        fds.push_back(fd);
      }
    }
    if (n <= 0) {  // EOF (or an empty record, which no client sends) or an error
      stats_.dropped_fds += fds.size();
      close_all(fds);
      return drop(*c);
    }
    if (!handle_record(*c, size_t(n), mh.msg_flags, fds)) {
      stats_.dropped_fds += fds.size();
      close_all(fds);
      return drop(*c);
    }
  }
  // Let other connections and channels run, then continue.
  asio::post(io_, [this, c] {
    if (!c->dead) on_readable(c);
  });
}

// One received record. false: unparseable header -> the caller closes the connection.
bool ControlServer::handle_record(Conn& c, size_t n, int msg_flags, std::vector<int>& fds) {
  auto log = logger("ctl");
  ipc::Request hdr{};
  if (n < sizeof hdr) {
    ++stats_.bad_records;
    log->warn("pid {}: short record ({} bytes): closing", c.cred.pid, n);
    return false;
  }
  std::memcpy(&hdr, rbuf_.data(), sizeof hdr);
  if (hdr.magic != ipc::kMagic || hdr.version != ipc::kVersion) {
    ++stats_.bad_records;
    log->warn("pid {}: bad magic/version: closing", c.cred.pid);
    return false;
  }
  ++stats_.requests;
  CtlReply rep;
  rep.hdr = ipc::make_reply(hdr, 0);
  auto self = conns_.at(&c);
  int err = 0;
  std::optional<ipc::Parsed<ipc::Request>> p;
  if (msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    err = (msg_flags & MSG_TRUNC) ? EMSGSIZE : ETOOMANYREFS;
  } else if (!(p = ipc::parse_request(rbuf_.data(), n))) {
    err = (hdr.op < uint16_t(ipc::Op::Hello) || hdr.op > uint16_t(ipc::kLastOp)) ? ENOSYS : EINVAL;
  } else if (!fds.empty() && !op_takes_fds(hdr.op)) {
    err = EINVAL;
  } else if (fds.size() > ipc::kMaxFds) {
    err = ETOOMANYREFS;
  }
  if (err) {
    ++stats_.bad_records;
    stats_.dropped_fds += fds.size();
    close_all(fds);
    log->debug("pid {}: bad {} request seq {}: {}", c.cred.pid, op_name(hdr.op), hdr.seq, std::strerror(err));
    rep.hdr.error = err;
    send_reply(self, std::move(rep));
    return true;
  }
  CtlRequest req;
  req.hdr = p->hdr;
  if (p->hdr.addrlen) req.addr = SockAddr::from(p->addr, socklen_t(p->hdr.addrlen));
  req.payload = std::span<const std::byte>(p->payload, p->hdr.payload_len);
  req.fds = std::move(fds);
  req.cred = c.cred;
  log->debug("pid {} > {} seq {} sock {} a={} b={} c={} value={} addrlen {} payload {} fds {}", c.cred.pid,
             op_name(hdr.op), hdr.seq, hdr.sock_id, hdr.a, hdr.b, hdr.c, hdr.value, hdr.addrlen,
             hdr.payload_len, req.fds.size());
  handler_(req, rep);
  stats_.dropped_fds += std::count_if(req.fds.begin(), req.fds.end(), [](int fd) { return fd >= 0; });
  close_all(req.fds);  // whatever the handler did not keep
  log->debug("pid {} < {} seq {} error {} sock {} value {} a={} b={} c={} addrlen {} payload {} fds {}",
             c.cred.pid, op_name(hdr.op), hdr.seq, rep.hdr.error, rep.hdr.sock_id, rep.hdr.value, rep.hdr.a,
             rep.hdr.b, rep.hdr.c, rep.addr.len, rep.payload.size(), rep.fds.size());
  send_reply(self, std::move(rep));
  return true;
}

void ControlServer::send_reply(const std::shared_ptr<Conn>& c, CtlReply&& r) {
  if (r.payload.size() > kMaxReplyPayload) r.payload.resize(kMaxReplyPayload);
  if (r.addr.len > ipc::kMaxAddr) r.addr.len = ipc::kMaxAddr;
  r.hdr.addrlen = r.addr.len;
  r.hdr.payload_len = uint32_t(r.payload.size());
  c->out.push_back(std::move(r));
  flush(c);
}

// Send queued replies. false when the connection was dropped.
bool ControlServer::flush(const std::shared_ptr<Conn>& c) {
  while (!c->out.empty() && !c->dead) {
    CtlReply& r = c->out.front();
    iovec iov[3] = {{&r.hdr, sizeof r.hdr}, {&r.addr.ss, r.addr.len}, {r.payload.data(), r.payload.size()}};
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = 3;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(ipc::kMaxFds * sizeof(int))];
    if (!r.fds.empty()) {
      size_t k = std::min(r.fds.size(), ipc::kMaxFds);
      mh.msg_control = cbuf;
      mh.msg_controllen = CMSG_SPACE(k * sizeof(int));
      cmsghdr* cm = CMSG_FIRSTHDR(&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN(k * sizeof(int));
      std::memcpy(CMSG_DATA(cm), r.fds.data(), k * sizeof(int));
    }
    ssize_t n = ::sendmsg(c->sd.native_handle(), &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      if (!c->writing) {
        c->writing = true;
        c->sd.async_wait(asio::posix::stream_descriptor::wait_write, [this, c](boost::system::error_code ec) {
          c->writing = false;
          if (ec || c->dead) return;
          if (flush(c)) on_readable(c);
        });
      }
      return true;
    }
    close_all(r.fds);  // sent (the kernel holds its own references) or failed
    c->out.pop_front();
    if (n < 0) {
      logger("ctl")->debug("pid {}: reply failed: {}", c->cred.pid, std::strerror(errno));
      drop(*c);
      return false;
    }
  }
  return !c->dead;
}

}  // namespace tunsock::daemon
