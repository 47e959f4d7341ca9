// A daemon on a temporary socket, a raw client that has said Hello, and the
// local-domain socket calls made as the shim makes them (socket, bind,
// listen, connect, accept). Shared by the daemon suites that need sockets of
// their own to look at.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "harness.hpp"
#include "ipc/protocol.hpp"

namespace tunsock::test {

struct LocalRig {
  DaemonHarness h;
  Client c{h.path()};
  uint64_t instance = 0;
  LocalRig() {
    auto r = c.call(ipc::Op::Hello);
    if (r) instance = r->hdr.sock_id;
  }
  // A new stack socket: its app fd, and its id.
  int socket(int type, uint64_t* id) {
    auto r = c.call(ipc::Op::Socket, 0, AF_UNIX, type, 0);
    if (!r || r->hdr.error || r->fds.size() != 1) return -1;
    *id = r->hdr.sock_id;
    return r->take_fd();
  }
  int bind(uint64_t id, const std::string& name) {
    socklen_t len;
    auto sun = abstract_name(name, &len);
    auto r = c.call(ipc::Op::Bind, id, 0, 0, 0, &sun, len);
    return r ? r->hdr.error : -1;
  }
  // Listen as the shim does: the socket's own fd becomes the listener.
  int listen(uint64_t id, int backlog, int fd) {
    auto r = c.call(ipc::Op::Listen, id, backlog);
    if (!r || r->hdr.error || r->hdr.value != 1 || !r->fds.empty()) return -1;
    return ::listen(fd, 4096) == 0 ? fd : -1;
  }
  // Connect as the shim does: the fd joins the channel the daemon names.
  int connect(uint64_t id, const std::string& name, int fd) {
    socklen_t len;
    auto sun = abstract_name(name, &len);
    auto r = c.call(ipc::Op::Connect, id, 0, 0, 0, &sun, len);
    if (!r) return -1;
    if (r->hdr.error == 0 && r->hdr.value == 1 &&
        ::connect(fd, reinterpret_cast<const sockaddr*>(r->addr.data()), socklen_t(r->addr.size())) < 0)
      return errno;
    return r->hdr.error;
  }
  // accept(2) on the kernel listener, then Accepted: the new fd and its id.
  int accept(int lfd, uint64_t* id) {
    if (!wait_fd(lfd, POLLIN)) return -1;
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return -1;
    sockaddr_un peer;
    socklen_t len = sizeof peer;
    uint64_t inst = 0;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) < 0 ||
        !ipc::parse_channel_name(&peer, len, &inst, id) || inst != instance) {
      ::close(fd);
      return -1;
    }
    auto r = c.call(ipc::Op::Accepted, *id);
    if (!r || r->hdr.error || r->hdr.sock_id != *id) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  // Poll until the daemon no longer knows the socket (bounded).
  bool gone(uint64_t id) {
    for (int i = 0; i < 300; ++i) {
      auto r = c.call(ipc::Op::GetSockName, id);
      if (r && r->hdr.error == EBADF) return true;
      ::usleep(10000);
    }
    return false;
  }
};

}  // namespace tunsock::test
