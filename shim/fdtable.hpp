// Which of the process's descriptors are stack sockets. A descriptor is
// ours when it is a channel (or kernel listener) the daemon made; the entry
// says which stack socket it stands for. Thread-safe: a bit per descriptor
// for the fast "not ours" answer on every read/write, details under a lock.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>

namespace tunsock::shim {

struct SockInfo {
  uint64_t id = 0;       // the daemon's sock_id
  int domain = 0;
  int type = 0;          // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW
  int protocol = 0;
  bool listening = false;
  // Found by its channel name (inherited across exec, received with
  // SCM_RIGHTS) and not yet confirmed by the daemon (Identify).
  bool pending = false;
  uint64_t instance = 0; // the daemon instance in the channel name (pending only)
  // Datagram semantics (framed channel, sends through the daemon): SOCK_DGRAM and SOCK_RAW.
  bool datagrams() const { return (type == SOCK_DGRAM || type == SOCK_RAW) && !listening; }
  // A connection of the inet domains (TCP): its sends report the socket's
  // pending error (ECONNRESET, ETIMEDOUT) and raise SIGPIPE as the shim
  // decides, not as the channel's kernel would (PROTOCOL.md "Errors").
  bool tcp() const { return type == SOCK_STREAM && domain != AF_UNIX && !listening && !pending; }
  int linger_s = 0;      // SO_LINGER set on with this many seconds (> 0): close waits
  bool oobinline = false;  // SO_OOBINLINE set (kept on the channel end; accept inherits both)
  // IP_RECVERR or IPV6_RECVERR set on a TCP socket: the stack then sets an
  // ICMP error at once on a connection that goes on, which the channel
  // cannot show; its calls ask for it (io_calls.cpp). Accept inherits it.
  bool recverr = false;
  uint64_t ino = 0;      // the kernel socket's inode: tells a stale entry (the
                         // number closed behind the shim's back, e.g. by
                         // fclose or close_range, and reused) from ours
};

namespace fdtable {

// Fast check; false for every descriptor the shim does not know.
bool ours(int fd);
// A datagram socket (or one not identified yet): read/recv need the shim.
// Stream and seqpacket data calls go straight to libc.
bool framed(int fd);
// SockInfo::tcp(): writes and sends need the shim. Lock-free too.
bool tcp(int fd);
// A nonblocking connect in progress (the fd is an embryo holding the
// filler): sends wait for POLLOUT first, as Linux's sk_stream_wait_connect.
bool connecting(int fd);
void set_connecting(int fd, bool on);
// ours(), or marked probed: what close/dup must clear for the next owner.
bool known(int fd);
std::optional<SockInfo> get(int fd);
// Records the descriptor's current inode with it.
void put(int fd, SockInfo s);
// Is the entry still the descriptor's socket (same inode)?
bool current(int fd, const SockInfo& s);
void forget(int fd);
void set_listening(int fd);
// SO_LINGER as the program set it through this descriptor: seconds, 0 off.
void set_linger(int fd, int secs);
void set_oobinline(int fd, bool on);
// SockInfo::recverr on a TCP connection (lock-free), and setting it.
bool recverr(int fd);
void set_recverr(int fd, bool on);
// Descriptors found already checked (by probe) and not ours: skip re-probing.
bool probed(int fd);
void set_probed(int fd);
// pthread_atfork: no other thread may hold the table's lock across fork.
void lock_for_fork();
void unlock_after_fork();

}  // namespace fdtable
}  // namespace tunsock::shim
