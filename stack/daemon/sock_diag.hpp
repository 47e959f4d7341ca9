// Ask the host kernel about AF_UNIX sockets by inode (NETLINK_SOCK_DIAG,
// UNIX_DIAG; linux/unix_diag.h). The daemon uses it to learn whether a
// kernel listener it handed to an application still exists (its last close
// is otherwise invisible), and to map an application's channel end to the
// daemon's end (the peer inode).
#pragma once

#include <cstdint>
#include <optional>

namespace tunsock::daemon {

struct UnixDiagInfo {
  uint8_t type = 0;        // SOCK_STREAM, ...
  uint8_t state = 0;       // TCP_LISTEN (10), TCP_ESTABLISHED (1), ...
  uint32_t peer_ino = 0;   // 0 when none
  // UNIX_DIAG_RQLEN: a listener's queued connections and backlog, else the
  // bytes unread in its receive queue and its write memory (tunsockctl ss).
  uint32_t rqueue = 0, wqueue = 0;
  // UNIX_DIAG_MEMINFO: its write memory (skb truesize not yet freed by the
  // reader) and SO_SNDBUF; AF_UNIX polls it writable while
  // (wmem_alloc + 1) * 4 <= sndbuf (unix_writable).
  bool meminfo = false;
  uint32_t wmem_alloc = 0, sndbuf = 0;
  bool writable() const { return !meminfo || (uint64_t(wmem_alloc) + 1) * 4 <= sndbuf; }
};

class SockDiag {
 public:
  SockDiag();
  ~SockDiag();
  SockDiag(const SockDiag&) = delete;
  SockDiag& operator=(const SockDiag&) = delete;

  bool available() const { return fd_ >= 0; }
  // nullopt: no such socket (or diag unavailable: check available()).
  std::optional<UnixDiagInfo> lookup(uint64_t ino);
  // Does a socket with this inode exist? true when diag is unavailable
  // (we cannot tell, so do not tear anything down).
  bool exists(uint64_t ino);

 private:
  int fd_ = -1;
  uint32_t seq_ = 0;
  int last_err_ = 0;  // of the last lookup: 0, ENOENT (no such socket), other
};

}  // namespace tunsock::daemon
