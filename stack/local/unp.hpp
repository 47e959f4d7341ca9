// The local domain's protocol control block and name space, shared by
// uipc_usrreq.cpp (the user requests) and unp_name.cpp (bind, lookup,
// autobind). FreeBSD: sys/sys/unpcb.h; Linux: struct unix_sock and the
// unix_find_bsd / unix_find_abstract / unix_autobind trio.
#pragma once

#include <sys/un.h>

#include <cstddef>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kern/socket.hpp"
#include "kern/stack.hpp"
#include "local/uipc_usrreq.hpp"

namespace tunsock {

struct UnpCb {
  Socket* unp_socket = nullptr;
  // Stream/seqpacket: the connected peer. Datagram: the destination of
  // send() without an address (connect()).
  UnpCb* unp_conn = nullptr;
  // Datagram: the sockets whose unp_conn is this one.
  std::vector<UnpCb*> unp_refs;
  SockAddr unp_addr;          // the bound name as getsockname returns it; len 0 = none
  VnodeId unp_vnode;          // pathname name: the socket file's inode
  bool unp_abstract = false;  // unp_addr is in the abstract table
  // The peer went away: getpeername still answers its name (Linux keeps
  // unix_peer until the survivor closes); a datagram socket's next send
  // without an address then fails with ECONNREFUSED and disconnects.
  SockAddr unp_lostpeer;
  bool unp_peer_gone = false;
  // Sockets (by so_id: they may be gone by then) told EAGAIN because this
  // socket's queue was full: a listener's backlog, a datagram receiver's
  // queue. They get so_writable when there is room again, so the driver
  // knows when to retry (Linux sleeps them on the peer_wait queue).
  std::vector<uint64_t> unp_waiters;
  // An accepted stream/seqpacket socket: its listener, to wake the
  // connectors waiting for room in the backlog once it leaves the queue.
  uint64_t unp_listener = 0;
};

inline UnpCb* sotounpcb(const Socket& so) { return static_cast<UnpCb*>(so.so_pcb); }

struct LocalDomainState {
  // Pathname names by the inode of their socket file (Linux unix_find_bsd).
  std::map<std::pair<uint64_t, uint64_t>, UnpCb*> by_vnode;
  // Abstract names by (type, name bytes): Linux hashes the type with the
  // name, so each socket type has its own abstract name space.
  std::map<std::pair<int, std::string>, UnpCb*> by_abstract;
  // Inodes of pathname names whose stack socket closed (bounded, oldest
  // forgotten first): the socket file is still there, nobody is bound to it,
  // and Linux answers ECONNREFUSED. Without this a connect or sendto to it
  // would fall through to the host kernel, which replaces the application's
  // stack socket by a kernel one. A new bind of the inode revives it.
  std::set<std::pair<uint64_t, uint64_t>> dead_vnodes;
  std::deque<std::pair<uint64_t, uint64_t>> dead_order;
  LocalStats stats;
};

// How many closed pathname names LocalDomainState remembers.
inline constexpr size_t kUnpDeadNames = 1024;

// --- unp_name.cpp ---
// Linux unix_validate_addr: EINVAL unless AF_UNIX with a non-empty path that fits.
int unp_validate_addr(const SockAddr& nam);
// bind(): autobind for a bare family, else a pathname (by td.vnode: a
// socket file the caller has just made) or an abstract name. 0, EINVAL,
// EADDRINUSE (abstract names only: for a pathname, mknod's EEXIST is it).
int unp_bind(UnpCb& unp, const SockAddr& nam, const Td& td);
// Give an unbound socket a 5-hex-digit abstract name (Linux unix_autobind).
// 0 when bound already; ENOSPC when the name space is exhausted.
int unp_autobind(UnpCb& unp);
// Find the socket holding a name a caller addressed. *out set on 0;
// ENOTOURS when no stack socket holds it (the host kernel may), EPROTOTYPE
// when a pathname is held by a socket of another type, ECONNREFUSED when it
// was a stack socket's name and that socket closed.
int unp_lookup(Stack& st, const SockAddr& nam, const Td& td, int type, UnpCb** out);
// Forget the name (close); unp_addr stays for getsockname.
void unp_unname(UnpCb& unp);
// The name getsockname/getpeername/recvfrom show for unp (may be null):
// the bound name, or just the family (length sizeof(sa_family_t)).
SockAddr unp_name_of(const UnpCb* unp);

}  // namespace tunsock
