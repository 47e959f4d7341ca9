// The local (AF_UNIX) communication domain: stream, datagram and seqpacket
// sockets between processes of one host, with Linux's name semantics.
// FreeBSD: sys/kern/uipc_usrreq.c; Linux: net/unix/af_unix.c (whose errnos
// and names we keep, since applications see them).
#pragma once

#include <cstdint>

#include "kern/protosw.hpp"
#include "kern/stack.hpp"

namespace tunsock {

struct LocalDomainState;

// The domain record (FreeBSD: localdomain).
extern const Domain localdomain;

// Give st the local domain, as inet_attach gives it inet: registers the
// Domain (st.add_domain) and its name tables (st.set_domain_state(AF_UNIX)).
// Idempotent.
void local_attach(Stack& st);
// The domain's name tables (created on first use, so a socket of the
// domain always finds them).
LocalDomainState& local_state(Stack& st);

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
