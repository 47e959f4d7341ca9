// The control server: the AF_UNIX SOCK_SEQPACKET listener the shim talks to
// (PROTOCOL.md "Finding the daemon"), one record per request and per reply,
// fds as SCM_RIGHTS. It validates records and peers and hands well-formed
// requests to a handler (the dispatcher); it knows nothing of sockets.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ipc/protocol.hpp"
#include "kern/sockaddr.hpp"

namespace tunsock::daemon {

namespace asio = boost::asio;

struct CtlRequest {
  ipc::Request hdr{};
  SockAddr addr;                       // hdr.addrlen bytes (len 0: none)
  std::span<const std::byte> payload;
  std::vector<int> fds;                // received rights; a handler keeping one sets it to -1
  Ucred cred;                          // SO_PEERCRED of the connection
};

struct CtlReply {
  ipc::Reply hdr{};
  SockAddr addr;
  std::string payload;
  std::vector<int> fds;                // sent, then closed by the server
};

class ControlServer {
 public:
  using Handler = std::function<void(CtlRequest&, CtlReply&)>;

  ControlServer(asio::io_context& io, std::string path, uid_t owner_uid, Handler h);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Bind and listen at the path (mode 0600). 0 or an errno.
  int open();
  // Close the listener and every connection; unlink the path.
  void close();
  size_t connections() const { return conns_.size(); }

  // Counters (also for tests).
  struct Stats {
    uint64_t accepted = 0, rejected = 0, requests = 0, bad_records = 0, dropped_fds = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Conn;
  void wait_accept();
  void on_accept();
  void start_read(const std::shared_ptr<Conn>& c);
  void on_readable(const std::shared_ptr<Conn>& c);
  bool handle_record(Conn& c, size_t n, int msg_flags, std::vector<int>& fds);
  void send_reply(const std::shared_ptr<Conn>& c, CtlReply&& r);
  bool flush(const std::shared_ptr<Conn>& c);
  void drop(Conn& c);

  asio::io_context& io_;
  std::string path_;
  uid_t owner_uid_;
  Handler handler_;
  std::unique_ptr<asio::posix::stream_descriptor> listener_;
  std::map<Conn*, std::shared_ptr<Conn>> conns_;
  std::vector<std::byte> rbuf_;
  Stats stats_;
  bool open_ = false;
};

}  // namespace tunsock::daemon
