// struct socket and the second-level so* routines that do the work of each
// socket call. The socket layer is protocol-independent: it reaches the
// protocol only through so_proto->pr_usrreqs, and protocols call back through
// soisconnected(), socantrcvmore(), sbappend*() and sorwakeup().
// FreeBSD: sys/sys/socketvar.h, sys/kern/uipc_socket.c.
#pragma once

#include <cstdint>
#include <deque>

#include "kern/protosw.hpp"
#include "kern/sockaddr.hpp"
#include "kern/sockbuf.hpp"

namespace tunsock {

// so_state
inline constexpr uint32_t SS_NOFDREF = 0x0001;         // no file descriptor refers to it
inline constexpr uint32_t SS_ISCONNECTED = 0x0002;     // connected to a peer
inline constexpr uint32_t SS_ISCONNECTING = 0x0004;    // in process of connecting
inline constexpr uint32_t SS_ISDISCONNECTING = 0x0008; // in process of disconnecting
inline constexpr uint32_t SS_ISBOUND = 0x0010;         // has a local name
inline constexpr uint32_t SS_ISCONFIRMING = 0x0400;    // deciding to accept a connection

// so_options (BSD's SO_* bits; Linux's SO_* are option *numbers*, hence SOF_)
inline constexpr uint32_t SOF_DEBUG = 0x0001;
inline constexpr uint32_t SOF_ACCEPTCONN = 0x0002;     // socket has had listen()
inline constexpr uint32_t SOF_REUSEADDR = 0x0004;
inline constexpr uint32_t SOF_KEEPALIVE = 0x0008;
inline constexpr uint32_t SOF_DONTROUTE = 0x0010;
inline constexpr uint32_t SOF_BROADCAST = 0x0020;
inline constexpr uint32_t SOF_LINGER = 0x0080;
inline constexpr uint32_t SOF_OOBINLINE = 0x0100;
inline constexpr uint32_t SOF_REUSEPORT = 0x0200;
inline constexpr uint32_t SOF_TIMESTAMP = 0x0400;
inline constexpr uint32_t SOF_PASSCRED = 0x0800;
inline constexpr uint32_t SOF_PASSSEC = 0x1000;
inline constexpr uint32_t SOF_PASSPIDFD = 0x2000;

// Default buffer sizes: Linux's net.core.{w,r}mem_default as getsockopt
// reports them for a local-domain socket (the kernel doubles what is set).
// A Stack takes its values from Stack::sysctl(); these are the defaults.
inline constexpr uint32_t kDefaultSndBuf = 212992;
inline constexpr uint32_t kDefaultRcvBuf = 212992;
// Linux SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF on x86-64: the least SO_SNDBUF /
// SO_RCVBUF becomes.
inline constexpr uint32_t kSockMinSndBuf = 4608;
inline constexpr uint32_t kSockMinRcvBuf = 2304;
// The tick that SO_RCVTIMEO/SO_SNDTIMEO are rounded up to (Linux CONFIG_HZ;
// Debian's kernels use 250).
inline constexpr int64_t kHz = 250;

struct Socket {
  uint64_t so_id = 0;            // the stack-wide name of this socket (logs, ipc)
  Stack* so_stack = nullptr;
  int so_type = 0;               // SOCK_STREAM, ...
  uint32_t so_options = 0;       // SOF_*
  uint32_t so_state = 0;         // SS_*
  int so_error = 0;              // pending asynchronous error (SO_ERROR)
  int so_softerror = 0;          // Linux sk_err_soft: SO_ERROR's answer when so_error is 0
  int so_linger = 0;             // seconds, with SOF_LINGER
  const Protosw* so_proto = nullptr;
  void* so_pcb = nullptr;        // protocol control block

  // Accept queues (the chapter's "Sockets and Accept"): a listening socket
  // heads so_incomp (not yet complete at the protocol level) and so_comp
  // (ready for accept). A queued socket points back with so_head.
  Socket* so_head = nullptr;
  std::deque<Socket*> so_incomp;
  std::deque<Socket*> so_comp;
  int so_qlen = 0;               // so_comp.size()
  int so_incqlen = 0;            // so_incomp.size()
  int so_qlimit = 0;             // listen backlog
  bool so_onqueue_comp = false;  // which queue a queued socket is on

  Sockbuf so_snd;
  Sockbuf so_rcv;

  Ucred so_cred;                 // of the process that created the socket
  Ucred so_peercred;             // SO_PEERCRED: the peer's, fixed at connect/listen
  bool so_peercred_valid = false;
  int so_rcvlowat = 1;           // SO_RCVLOWAT as set (sb_lowat is its clamp)
  int so_priority = 0;           // SO_PRIORITY
  uint32_t so_mark = 0;          // SO_MARK
  int so_peek_off = -1;          // SO_PEEK_OFF (kept; MSG_PEEK does not use it yet)
  int so_incoming_cpu = -1;      // SO_INCOMING_CPU (kept, reported)
  // Set by the driver before soclose(): the application left received data
  // unread in its own buffers (the daemon: SO_ERROR ECONNRESET on its end of
  // the channel). Counts as a non-empty so_rcv: Linux then resets the peer
  // (AF_UNIX: ECONNRESET on its next read).
  bool so_rcv_unread = false;

  void* so_upcallarg = nullptr;  // the daemon's per-socket state (opaque here)
};

// Upcalls from the socket layer to whoever drives the stack (the daemon, or a
// test). All default to doing nothing. Called synchronously from within stack
// routines: an implementation must not call back into the socket that is
// being changed except to read it (defer work instead).
class SocketUpcalls {
 public:
  virtual ~SocketUpcalls() = default;
  virtual void so_readable(Socket&) {}     // sorwakeup: data, EOF, error or a new connection
  virtual void so_writable(Socket&) {}     // sowwakeup: room in so_snd or the peer's so_rcv
  virtual void so_statechange(Socket&) {}  // connected, disconnected, cantsend/rcvmore
  virtual void so_freed(Socket&) {}        // about to be destroyed
  // A control mbuf (MType::Control; look at this one mbuf, not m_next) that
  // will never be received: release what it references (the daemon closes
  // the fds of an SCM_RIGHTS message). The stack frees the mbuf afterwards.
  virtual void so_dispose_rights(mbuf* /*control*/) {}
};

// Option request (FreeBSD struct sockopt). Values are user bytes.
inline constexpr int SOPT_GET = 0;
inline constexpr int SOPT_SET = 1;
struct Sockopt {
  int sopt_dir = SOPT_GET;
  int sopt_level = 0;
  int sopt_name = 0;
  void* sopt_val = nullptr;
  size_t sopt_valsize = 0;       // in: buffer size; out (GET): bytes written
  Td sopt_td;
};
// Copy helpers that check sizes like Linux's sockopt code.
int sooptcopyin(const Sockopt& sopt, void* buf, size_t len, size_t minlen);
int sooptcopyout(Sockopt& sopt, const void* buf, size_t len);

// Arguments and results of soreceive (BSD passes a uio, mp0 and flagsp).
struct RecvArgs {
  SockAddr* from = nullptr;      // out: datagram source (PR_ADDR protocols)
  std::byte* buf = nullptr;      // copy data here (when mp is null)
  size_t len = 0;                // bytes wanted
  mbuf** mp = nullptr;           // or: hand back the data chain itself
  mbuf** controlp = nullptr;     // out: control mbufs (rights), else disposed
  int flags = 0;                 // in: MSG_PEEK|MSG_WAITALL|MSG_TRUNC; out: MSG_TRUNC|MSG_EOR|MSG_CTRUNC
  size_t done = 0;               // out: data bytes delivered
  size_t full = 0;               // out: length of the whole record (for MSG_TRUNC)
};

// --- the so* routines (uipc_socket.c). 0 or an errno. ---
// None blocks: where BSD would sleep they return EWOULDBLOCK and the caller
// (the daemon, on behalf of the shim) waits for the matching upcall.
int socreate(Stack& st, int dom, Socket** aso, int type, int proto, const Td& td);
int sobind(Socket& so, const SockAddr& nam, const Td& td);
int solisten(Socket& so, int backlog, const Td& td);
// Take the first completed connection off so_comp (caller then soaccept()s).
Socket* soaccept_dequeue(Socket& head);
// What accept(2) would say before dequeuing: EINVAL when head is not
// listening, EWOULDBLOCK when so_comp is empty, else 0.
int soaccept_check(const Socket& head);
int soaccept(Socket& so, SockAddr* nam);
int soconnect(Socket& so, const SockAddr& nam, const Td& td);
// The connect that reports a failed connect in progress: its errno (never
// 0), the socket disconnected by the protocol as Linux's.
int soconnect_failed(Socket& so);
int soconnect2(Socket& so1, Socket& so2);
int sodisconnect(Socket& so);
// How many data bytes sosend would take now without EWOULDBLOCK: for the
// local domain the peer's so_rcv space, otherwise sbspace(so_snd). The daemon
// reads a channel only this far, so back-pressure reaches the app's write().
long sosendspace(const Socket& so);
int sosend(Socket& so, const SockAddr* addr, mbuf* top, mbuf* control, int flags, const Td& td);
int soreceive(Socket& so, RecvArgs& a);
// Data bytes in so_rcv before the urgent byte (pru_oobmark): 0 = at the
// mark (SIOCATMARK), -1 = no urgent byte ahead.
long sooobmark(const Socket& so);
// SHUT_RD marks so_rcv SBS_CANTRCVMORE (pru_flush first) but keeps what is
// queued readable, as Linux does; SHUT_WR is pru_shutdown. EINVAL for a bad
// how; ENOTCONN unconnected unless the protocol has PR_SHUTUNCONN.
int soshutdown(Socket& so, int how);
// Whether shutdown() finds so unconnected: ENOTCONN, without effect, or
// applied all the same under PR_SHUTENOTCONN.
bool soshutdown_unconnected(const Socket& so);
// The last file reference is gone: disconnect, abort queued connections,
// detach; frees the socket when the protocol is done with it.
int soclose(Socket& so);
void sofree(Socket& so);
// Release the rights in a control chain nobody will receive (pru_dispose),
// then free it. Null is fine.
void sodispose(Socket& so, mbuf* control);
void soabort(Socket& so);
// A listener's connections nobody accepted are aborted (close, stop listening).
void soabort_queued(Socket& so);
// A listener stops listening (a protocol's shutdown(SHUT_RD), Linux's
// tcp_disconnect on LISTEN): its queued connections are aborted.
void solisten_stop(Socket& so);
int sosetopt(Socket& so, Sockopt& sopt);
int sogetopt(Socket& so, Sockopt& sopt);
int sogetsockname(Socket& so, SockAddr* nam);
int sogetpeername(Socket& so, SockAddr* nam);

// A connection arrived on head: make its socket and queue it on so_incomp, or
// on so_comp when connstatus has SS_ISCONNECTED. nullptr when the queue is
// full (so_qlen > so_qlimit, Linux's rule) or allocation failed.
Socket* sonewconn(Socket& head, uint32_t connstatus);

// Protocol -> socket-layer notifications.
void soisconnecting(Socket& so);
void soisconnected(Socket& so);
void soisdisconnecting(Socket& so);
void soisdisconnected(Socket& so);
void socantsendmore(Socket& so);
void socantrcvmore(Socket& so);
void sorwakeup(Socket& so);
void sowwakeup(Socket& so);
// Is the socket readable / writable as poll(2) would report it.
bool soreadable(const Socket& so);
bool sowriteable(const Socket& so);

}  // namespace tunsock
