// The local (AF_UNIX) communication domain: stream, datagram and seqpacket
// sockets between processes of one host, with Linux's name semantics.
// FreeBSD: sys/kern/uipc_usrreq.c; Linux: net/unix/af_unix.c (whose errnos
// and names we keep, since applications see them).
#pragma once

#include <cstdint>

#include "kern/protosw.hpp"

namespace tunsock {

struct LocalDomainState;

// The domain record every Stack registers (FreeBSD: localdomain).
extern const Domain localdomain;

// Stack::local() creates and destroys the domain's name tables through these.
LocalDomainState* local_state_create();
void local_state_destroy(LocalDomainState* st);

// Linux net.unix.max_dgram_qlen: a datagram receiver that is not connected
// back to the sender holds at most this many + 1 queued datagrams; then
// senders get EAGAIN.
inline constexpr int kUnpMaxDgramQlen = 10;

// Counters of the domain (the stack's "netstat -s" for local).
struct LocalStats {
  uint64_t binds = 0, autobinds = 0, connects = 0, refused = 0, not_ours = 0;
  uint64_t dgrams_sent = 0, dgrams_dropped = 0, rights_disposed = 0;
};
const LocalStats& local_stats(Stack& st);

// The socket a local-domain socket is connected to (its stream or seqpacket
// peer, a datagram socket's destination), else null (also for other
// domains). The daemon uses it to read what the peer has written so far.
struct Socket;
Socket* uipc_peer(const Socket& so);

}  // namespace tunsock
