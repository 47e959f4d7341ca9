#include "ctl_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tunsock::ctl {
namespace {

constexpr int kReplyTimeoutMs = 10000;  // a daemon that never answers is an error, not a hang
constexpr size_t kMaxFds = 8;

}  // namespace

CtlClient::~CtlClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string CtlClient::default_path() {
  if (const char* s = std::getenv("TUNSOCK_SOCKET"); s && *s) return s;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) return std::string(x) + "/tunsockd.sock";
  return "/tmp/tunsockd-" + std::to_string(::getuid()) + ".sock";
}

bool CtlClient::connect() {
  if (fd_ >= 0) return true;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path_.size() >= sizeof sun.sun_path) {
    error_ = "control socket path too long: " + path_;
    return false;
  }
  std::memcpy(sun.sun_path, path_.data(), path_.size());
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
    error_ = "cannot reach tunsockd at " + path_ + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  fd_ = fd;
  return true;
}

std::optional<CtlReply> CtlClient::call(ipc::Request q, const std::string& payload) {
  if (!connect()) return std::nullopt;
  q.seq = ++seq_;
  q.payload_len = uint32_t(payload.size());
  iovec iov[2] = {{&q, sizeof q}, {const_cast<char*>(payload.data()), payload.size()}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = payload.empty() ? 1 : 2;
  if (::sendmsg(fd_, &m, MSG_NOSIGNAL) < 0) {
    error_ = std::string("sending to tunsockd: ") + std::strerror(errno);
    return std::nullopt;
  }
  pollfd p{fd_, POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, kReplyTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (n != 1) {
    error_ = "tunsockd did not answer within 10 s";
    return std::nullopt;
  }
  std::string buf(sizeof(ipc::Reply) + ipc::kMaxAddr + ipc::kMaxRecord, '\0');
  alignas(cmsghdr) char cbuf[CMSG_SPACE(kMaxFds * sizeof(int))];
  iovec riov{buf.data(), buf.size()};
  msghdr rm{};
  rm.msg_iov = &riov;
  rm.msg_iovlen = 1;
  rm.msg_control = cbuf;
  rm.msg_controllen = sizeof cbuf;
  ssize_t got = ::recvmsg(fd_, &rm, MSG_CMSG_CLOEXEC);
  if (got <= 0) {
    error_ = got == 0 ? "tunsockd closed the control connection" : std::string("recvmsg: ") + std::strerror(errno);
    return std::nullopt;
  }
  CtlReply r;
  for (cmsghdr* c = CMSG_FIRSTHDR(&rm); c; c = CMSG_NXTHDR(&rm, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      r.fds.push_back(fd);
    }
  }
  auto parsed = ipc::parse_reply(buf.data(), size_t(got));
  if (!parsed || parsed->hdr.seq != q.seq) {
    for (int fd : r.fds) ::close(fd);
    error_ = "tunsockd answered something that is not a reply to this request";
    return std::nullopt;
  }
  r.hdr = parsed->hdr;
  r.addr.assign(reinterpret_cast<const char*>(parsed->addr), parsed->hdr.addrlen);
  r.payload.assign(reinterpret_cast<const char*>(parsed->payload), parsed->hdr.payload_len);
  return r;
}

}  // namespace tunsock::ctl
