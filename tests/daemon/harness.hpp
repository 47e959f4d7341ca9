// Test harness for the daemon: a Daemon on a temporary control socket,
// running its io_context on a thread, and a raw client that speaks the
// ipc protocol (no shim). Every wait is bounded.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/daemon.hpp"
#include "daemon/log.hpp"
#include "ipc/protocol.hpp"

namespace tunsock::test {

inline constexpr int kWaitMs = 3000;

// Wait for fd to become ready for events; false on timeout.
inline bool wait_fd(int fd, short events, int ms = kWaitMs) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    return n == 1;
  }
}

class DaemonHarness {
 public:
  explicit DaemonHarness(bool signals = false, bool inet = true) {
    daemon::log_init(std::getenv("TUNSOCK_LOG") ? std::getenv("TUNSOCK_LOG") : "error");
    char tmpl[] = "/tmp/tunsockd-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    cfg_.socket_path = dir_ + "/ctl.sock";
    cfg_.owner_uid = ::geteuid();
    cfg_.inet.enabled = inet;  // false: --domains unix
    cfg_.inet.inet6 = inet;
    d_ = std::make_unique<daemon::Daemon>(io_, cfg_);
    if (signals) d_->handle_signals();
    started_ = d_->start() == 0;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~DaemonHarness() {
    stop();
    d_.reset();
    ::rmdir(dir_.c_str());
  }
  void stop() {
    if (thread_.joinable()) {
      boost::asio::post(io_, [this] {
        d_->stop();
        io_.stop();
      });
      thread_.join();
    }
  }
  // Run f on the daemon's thread and wait for its result.
  template <class F>
  auto on_daemon(F f) {
    std::packaged_task<decltype(f())()> t(std::move(f));
    auto fut = t.get_future();
    boost::asio::post(io_, [&t] { t(); });
    fut.wait_for(std::chrono::milliseconds(kWaitMs));
    return fut.get();
  }
  bool started() const { return started_; }
  const std::string& path() const { return cfg_.socket_path; }
  std::thread& thread() { return thread_; }
  boost::asio::io_context& io() { return io_; }
  daemon::Daemon& daemon() { return *d_; }

 private:
  std::string dir_;
  daemon::Config cfg_;
  boost::asio::io_context io_;
  std::unique_ptr<daemon::Daemon> d_;
  std::thread thread_;
  bool started_ = false;
};

struct Answer {
  ipc::Reply hdr{};
  std::string addr;
  std::string payload;
  std::vector<int> fds;
  Answer() = default;
  Answer(const Answer&) = delete;
  Answer& operator=(const Answer&) = delete;
  Answer(Answer&&) = default;
  Answer& operator=(Answer&&) = default;
  ~Answer() {
    for (int fd : fds) ::close(fd);
  }
  int take_fd(size_t i = 0) { return std::exchange(fds.at(i), -1); }
};

// A raw control connection.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, path.c_str(), sizeof sun.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof sun) < 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

  bool send_raw(const void* p, size_t n, const std::vector<int>& fds = {}) {
    iovec iov{const_cast<void*>(p), n};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(64 * sizeof(int))];
    if (!fds.empty()) {
      mh.msg_control = cbuf;
      mh.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
      cmsghdr* cm = CMSG_FIRSTHDR(&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
      std::memcpy(CMSG_DATA(cm), fds.data(), fds.size() * sizeof(int));
    }
    return ::sendmsg(fd_, &mh, MSG_NOSIGNAL) == ssize_t(n);
  }
  bool send(ipc::Request q, const void* addr = nullptr, size_t addrlen = 0, const std::string& payload = {},
            const std::vector<int>& fds = {}) {
    q.addrlen = uint32_t(addrlen);
    q.payload_len = uint32_t(payload.size());
    std::string rec(reinterpret_cast<const char*>(&q), sizeof q);
    if (addrlen) rec.append(static_cast<const char*>(addr), addrlen);
    rec += payload;
    return send_raw(rec.data(), rec.size(), fds);
  }
  // Receive one reply; nullopt on timeout, EOF or a malformed reply.
  std::optional<Answer> recv() {
    if (!wait_fd(fd_, POLLIN)) return std::nullopt;
    std::vector<char> buf(sizeof(ipc::Reply) + ipc::kMaxAddr + ipc::kMaxRecord);
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(64 * sizeof(int))];
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t n = ::recvmsg(fd_, &mh, MSG_CMSG_CLOEXEC);
    if (n <= 0) return std::nullopt;
    auto p = ipc::parse_reply(buf.data(), size_t(n));
    if (!p) return std::nullopt;
    std::optional<Answer> a(std::in_place);
    a->hdr = p->hdr;
    a->addr.assign(reinterpret_cast<const char*>(p->addr), p->hdr.addrlen);
    a->payload.assign(reinterpret_cast<const char*>(p->payload), p->hdr.payload_len);
    for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
      for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
        a->fds.push_back(fd);
      }
    return a;
  }
  std::optional<Answer> call(ipc::Op op, uint64_t sock_id = 0, int a = 0, int b = 0, int c = 0,
                             const void* addr = nullptr, size_t addrlen = 0, const std::string& payload = {},
                             const std::vector<int>& fds = {}, int64_t value = 0, uint32_t flags = 0) {
    auto q = ipc::make_request(op, ++seq_, sock_id);
    q.flags = flags;
    q.a = a;
    q.b = b;
    q.c = c;
    q.value = value;
    if (!send(q, addr, addrlen, payload, fds)) return std::nullopt;
    auto r = recv();
    if (r && r->hdr.seq != q.seq) return std::nullopt;
    return r;
  }
  // The peer closed the connection (EOF) within the bounded wait.
  bool closed_by_peer() {
    if (!wait_fd(fd_, POLLIN)) return false;
    char b[64];
    ssize_t n = ::recv(fd_, b, sizeof b, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  int fd_ = -1;
  uint32_t seq_ = 0;
};

inline sockaddr_un abstract_name(const std::string& s, socklen_t* len) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path + 1, s.data(), s.size());
  *len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + s.size());
  return sun;
}

// Read exactly n bytes from fd (bounded); returns what was read.
inline std::string read_n(int fd, size_t n) {
  std::string out;
  char buf[65536];
  while (out.size() < n && wait_fd(fd, POLLIN)) {
    ssize_t k = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (k <= 0) break;
    out.append(buf, size_t(k));
  }
  return out;
}

}  // namespace tunsock::test
