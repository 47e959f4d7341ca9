// tunsockctl's side of the control socket: one request, one reply, exactly
// as the shim speaks it (stack/ipc/PROTOCOL.md), plus descriptors passed
// with the reply (a capture's stream).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ipc/protocol.hpp"

namespace tunsock::ctl {

struct CtlReply {
  ipc::Reply hdr{};
  std::string addr;
  std::string payload;
  std::vector<int> fds;  // owned by the caller
};

class CtlClient {
 public:
  // path: the control socket (--socket, else $TUNSOCK_SOCKET, else the
  // daemon's default).
  explicit CtlClient(std::string path) : path_(std::move(path)) {}
  ~CtlClient();
  CtlClient(const CtlClient&) = delete;
  CtlClient& operator=(const CtlClient&) = delete;

  // Send q (its seq is set here) with payload; wait for the reply. nullopt
  // with a message in error() when the daemon cannot be reached or answers
  // garbage; a reply carrying an errno is returned as is.
  std::optional<CtlReply> call(ipc::Request q, const std::string& payload = {});
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

  static std::string default_path();

 private:
  bool connect();
  std::string path_;
  int fd_ = -1;
  uint32_t seq_ = 0;
  std::string error_;
};

}  // namespace tunsock::ctl
