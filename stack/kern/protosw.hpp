// Protocol switch and communication domains: how the socket layer reaches a
// protocol without naming it. Data, not code: every hook has a default so
// none is null. FreeBSD: sys/sys/protosw.h, sys/sys/domain.h, uipc_domain.c.
#pragma once

#include <cstdint>
#include <span>

#include "kern/mbuf.hpp"
#include "kern/sockaddr.hpp"

namespace tunsock {

struct Socket;
struct Sockopt;
class Stack;
struct ifnet;  // net/if.hpp

// pr_flags
inline constexpr uint32_t PR_ATOMIC = 0x01;       // exchange atomic messages only
inline constexpr uint32_t PR_ADDR = 0x02;         // addresses given with messages
inline constexpr uint32_t PR_CONNREQUIRED = 0x04; // connection required by protocol
inline constexpr uint32_t PR_WANTRCVD = 0x08;     // want pru_rcvd calls
inline constexpr uint32_t PR_RIGHTS = 0x10;       // passes capabilities (SCM_RIGHTS)
inline constexpr uint32_t PR_IMPLOPCL = 0x20;     // implied open/close (sendto on unconnected)
inline constexpr uint32_t PR_NOADDR_ENOTCONN = 0x40;  // unconnected send without address:
                                                      // ENOTCONN, not EDESTADDRREQ (Linux AF_UNIX)
inline constexpr uint32_t PR_SHUTUNCONN = 0x80;   // shutdown() succeeds unconnected (Linux AF_UNIX)
inline constexpr uint32_t PR_NOTCONN_EPIPE = 0x100;  // unconnected send: a pending error, else
                                                     // EPIPE, not ENOTCONN (Linux TCP)
inline constexpr uint32_t PR_CONTROL = 0x200;     // pru_send reads control messages (inet:
                                                  // IP_PKTINFO, IP_TTL, IP_TOS; Linux ip_cmsg_send)
inline constexpr uint32_t PR_SENDNOADDR = 0x400;  // an unconnected send without address is the
                                                  // protocol's to answer (Linux UDP binds first,
                                                  // and under UDP_CORK may need no address)
inline constexpr uint32_t PR_BIGDGRAM = 0x800;    // one datagram may exceed the send buffer, which
                                                  // only must not be full (Linux sock_alloc_send_pskb)
inline constexpr uint32_t PR_OOBIGNORE = 0x1000;  // MSG_OOB on receive is ignored (Linux UDP),
                                                  // not EOPNOTSUPP
inline constexpr uint32_t PR_SHUTENOTCONN = 0x2000;  // shutdown() unconnected is applied all the
                                                     // same and says ENOTCONN (Linux inet_shutdown)

// pru_send flags
inline constexpr int PRUS_OOB = 0x1;
inline constexpr int PRUS_EOF = 0x2;      // send then shut down writing
inline constexpr int PRUS_MORE = 0x4;
inline constexpr int PRUS_EOR = 0x8;      // the chain ends a record

// Each returns 0 or an errno, exactly what the application is handed.
// Chains passed to pru_send are consumed whatever the result.
struct PrUsrreqs {
  void (*pru_abort)(Socket& so);
  int (*pru_accept)(Socket& so, SockAddr* nam);
  int (*pru_attach)(Socket& so, int proto, const Td& td);
  int (*pru_bind)(Socket& so, const SockAddr& nam, const Td& td);
  int (*pru_connect)(Socket& so, const SockAddr& nam, const Td& td);
  int (*pru_connect2)(Socket& so1, Socket& so2);
  void (*pru_detach)(Socket& so);
  int (*pru_disconnect)(Socket& so);
  int (*pru_listen)(Socket& so, int backlog, const Td& td);
  int (*pru_peeraddr)(Socket& so, SockAddr* nam);
  int (*pru_rcvd)(Socket& so, int flags);
  int (*pru_send)(Socket& so, int flags, mbuf* m, const SockAddr* addr, mbuf* control, const Td& td);
  int (*pru_shutdown)(Socket& so);
  int (*pru_sockaddr)(Socket& so, SockAddr* nam);
  void (*pru_close)(Socket& so);
  // Dispose of rights in a control chain that will never be received: release
  // what the chain references; the caller frees the mbufs afterwards.
  void (*pru_dispose)(Socket& so, mbuf* control);
  // --- added after the first cut (append only) ---
  // Data bytes sosend would accept now (default: sbspace(so_snd)); see sosendspace.
  long (*pru_sendspace)(const Socket& so);
  // shutdown(SHUT_RD or SHUT_RDWR), called before so_rcv is flushed (FreeBSD pr_flush).
  void (*pru_flush)(Socket& so, int how);
  // recv(MSG_OOB) (FreeBSD pru_rcvoob): the out-of-band byte into a (default
  // EOPNOTSUPP). a.flags carries MSG_PEEK|MSG_TRUNC in, MSG_OOB|MSG_TRUNC out.
  int (*pru_rcvoob)(Socket& so, struct RecvArgs& a, int flags);
  // Data bytes in so_rcv before the urgent byte (the mark), which may not
  // have arrived yet (beyond sb_cc); -1 when there is none ahead (default).
  long (*pru_oobmark)(const Socket& so);
  // Called first by sosend, before any check (Linux inet_send_prepare: a
  // ping socket takes its identifier even when the send then fails); an
  // errno fails the send. Null (the default): nothing to do.
  int (*pru_presend)(Socket& so);
};

// Defaults: EOPNOTSUPP for requests, nothing for notifications.
extern const PrUsrreqs pru_defaults;
// The defaults of the out-of-band hooks, for constexpr tables: no urgent data.
int pru_rcvoob_notsupp(Socket& so, struct RecvArgs& a, int flags);
long pru_oobmark_none(const Socket& so);
// Fill every null hook of u from pru_defaults.
PrUsrreqs pru_with_defaults(PrUsrreqs u);

struct Domain;

struct Protosw {
  int pr_type = 0;            // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW
  const Domain* pr_domain = nullptr;
  int pr_protocol = 0;        // 0 = the domain's default for pr_type
  uint32_t pr_flags = 0;
  int (*pr_ctloutput)(Socket& so, Sockopt& sopt) = nullptr;  // protocol-level options
  PrUsrreqs pr_usrreqs{};
};

struct Domain {
  int dom_family = 0;         // AF_UNIX, AF_INET, AF_INET6
  const char* dom_name = "";
  std::span<const Protosw> dom_protosw;
  // A protocol number socket() accepts as "the default" besides 0 (AF_UNIX:
  // PF_UNIX, as Linux's unix_create); -1 = none.
  int dom_protoalias = -1;
  uint32_t dom_flags = 0;     // DOM_*
  // The type a SOCK_RAW request becomes (Linux AF_UNIX: SOCK_DGRAM); 0 = none.
  int dom_rawtype = 0;
  // A packet an interface received for this family (net/if.cpp if_input
  // dispatches by family, as FreeBSD's netisr): ip_input, ip6_input.
  // Consumes m. Null for domains without a network layer (local).
  void (*dom_ifinput)(ifnet& ifp, mbuf* m) = nullptr;
};

// dom_flags
// socket() checks the protocol number before the type (Linux unix_create);
// otherwise the type first, then the protocol within it (Linux inet_create).
inline constexpr uint32_t DOM_PROTOFIRST = 0x1;

// Find the protocol of a domain by type and protocol number; protocol 0
// picks the first entry of that type. nullptr when none (caller: EPROTONOSUPPORT
// or ESOCKTNOSUPPORT as Linux chooses, see socreate).
const Protosw* pffindproto(const Stack& st, int family, int protocol, int type);
const Protosw* pffindtype(const Stack& st, int family, int type);
const Domain* pffinddomain(const Stack& st, int family);

}  // namespace tunsock
