// One handler per control request (see dispatcher.hpp and PROTOCOL.md "Calls").
#include "daemon/dispatcher.hpp"

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <cstring>
#include <sstream>

#include "daemon/capture.hpp"
#include "daemon/channel.hpp"
#include "daemon/ctl_history.hpp"
#include "daemon/ctl_query.hpp"
#include "daemon/daemon.hpp"
#include "daemon/fd.hpp"
#include "daemon/inet_setup.hpp"
#include "daemon/log.hpp"
#include "daemon/rights.hpp"
#include "kern/stack.hpp"
#include "local/uipc_usrreq.hpp"
#include "netinet/in.hpp"

namespace tunsock::daemon {
namespace {

constexpr size_t kMaxOptLen = 4096;

Td td_of(const CtlRequest& q) { return Td{q.cred, VnodeId{q.hdr.vn_dev, q.hdr.vn_ino}}; }

// The stack answers a name it does not hold with a pseudo-errno outside the
// range of real errnos (the local domain's ENOTOURS): the host kernel does it.
int map_error(int e) { return (e < 0 || e >= 4096) ? ipc::kFallThrough : e; }

// Linux's struct tcp_info (linux/tcp.h): tcpi_notsent_bytes lies at byte
// 144. glibc's netinet/tcp.h, which Asio pulls in, stops before it and
// cannot be mixed with linux/tcp.h.
constexpr size_t kTcpiNotsentOff = 144;

// The protocol's TCP_INFO through the ordinary option path: the bytes it
// filled in, 0 when the protocol has none (not TCP).
size_t stack_tcp_info(Socket& so, char (&ti)[256]) {
  Sockopt sopt;
  sopt.sopt_dir = SOPT_GET;
  sopt.sopt_level = IPPROTO_TCP;
  sopt.sopt_name = TCP_INFO;
  sopt.sopt_val = ti;
  sopt.sopt_valsize = sizeof ti;
  if (so.so_type != SOCK_STREAM || sogetopt(so, sopt) != 0) return 0;
  return sopt.sopt_valsize;
}

// The protocol's unsent bytes from its TCP_INFO; -1 when it has none.
long stack_tcp_notsent(Socket& so) {
  alignas(8) char ti[256]{};
  if (stack_tcp_info(so, ti) < kTcpiNotsentOff + 4) return -1;
  uint32_t v;
  std::memcpy(&v, ti + kTcpiNotsentOff, sizeof v);
  return long(v);
}

}  // namespace

const char* socktype_name(int type) {
  switch (type) {
    case SOCK_STREAM: return "stream";
    case SOCK_DGRAM: return "dgram";
    case SOCK_SEQPACKET: return "seqpacket";
    case SOCK_RAW: return "raw";
    default: return "?";
  }
}

const char* domain_name(int family) {
  switch (family) {
    case AF_UNIX: return "unix";
    case AF_INET: return "inet";
    case AF_INET6: return "inet6";
    default: return "?";
  }
}

std::string sockaddr_text(const SockAddr& a) {
  if (a.len <= sizeof(sa_family_t)) return "(unnamed)";
  if (a.family() == AF_INET && a.len >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&a.ss);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(sin->sin_port));
  }
  if (a.family() == AF_INET6 && a.len >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&a.ss);
    char host[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(sin6->sin6_port));
  }
  if (a.family() != AF_UNIX) return "(family " + std::to_string(a.family()) + ")";
  const auto* sun = reinterpret_cast<const sockaddr_un*>(&a.ss);
  size_t n = a.len - offsetof(sockaddr_un, sun_path);
  if (sun->sun_path[0] == '\0') return "@" + std::string(sun->sun_path + 1, n - 1);
  return std::string(sun->sun_path, strnlen(sun->sun_path, n));
}

void Dispatcher::operator()(CtlRequest& q, CtlReply& r) {
  d_.tick();
  d_.take_connections();  // a connect the shim finished since: its channel first
  note_holder(q.hdr.sock_id, q);  // before the call: a reset it lets through can reach the app
  switch (ipc::Op(q.hdr.op)) {
    case ipc::Op::Hello: op_hello(q, r); break;
    case ipc::Op::Socket: op_socket(q, r); break;
    case ipc::Op::Socketpair: op_socketpair(q, r); break;
    case ipc::Op::Bind: op_bind(q, r); break;
    case ipc::Op::Listen: op_listen(q, r); break;
    case ipc::Op::Connect: op_connect(q, r); break;
    case ipc::Op::Accepted: op_accepted(q, r); break;
    case ipc::Op::Identify: op_identify(q, r); break;
    case ipc::Op::Shutdown: op_shutdown(q, r); break;
    case ipc::Op::GetSockName: op_name(q, r, false); break;
    case ipc::Op::GetPeerName: op_name(q, r, true); break;
    case ipc::Op::GetSockOpt: op_getsockopt(q, r); break;
    case ipc::Op::SetSockOpt: op_setsockopt(q, r); break;
    case ipc::Op::SendTo: op_sendto(q, r); break;
    case ipc::Op::Closed: op_closed(q, r); break;
    case ipc::Op::Ioctl: op_ioctl(q, r); break;
    case ipc::Op::Stats: op_stats(q, r); break;
    case ipc::Op::RecvErr: op_recverr(q, r); break;
    case ipc::Op::CtlQuery: ctl_query(d_, q, r); break;
    case ipc::Op::Capture: op_capture(d_, q, r); break;
    case ipc::Op::History: op_history(d_, q, r); break;
    default: r.hdr.error = ENOSYS; break;
  }
  if (!r.hdr.error && r.hdr.sock_id != q.hdr.sock_id) note_holder(r.hdr.sock_id, q);  // a new socket
  if (!r.hdr.error && ipc::Op(q.hdr.op) == ipc::Op::Socketpair) note_holder(uint64_t(r.hdr.value), q);
  // What the call set going inside the stack (a datagram looped back to a
  // socket of this host, queued to the loopback's callout at this instant)
  // has arrived before the reply, as the kernel delivers it within the call.
  d_.tick();
  d_.run_pending();
  d_.settle();
}

// The processes that hold a socket's application end (Chan::note_holder).
void Dispatcher::note_holder(uint64_t sock_id, const CtlRequest& q) {
  if (!sock_id) return;
  if (auto c = d_.chan(sock_id)) c->note_holder(q.cred.pid, int(q.hdr.fd_hint) - 1);
}

Socket* Dispatcher::lookup(const CtlRequest& q, CtlReply& r) {
  Socket* so = d_.stack().find_socket(q.hdr.sock_id);
  auto c = so ? d_.chan(so->so_id) : nullptr;
  if (!c || c->closed()) {  // unknown, closed, or a connection not yet accepted
    r.hdr.error = EBADF;
    return nullptr;
  }
  return so;
}

void Dispatcher::op_hello(CtlRequest&, CtlReply& r) {
  r.hdr.value = ::getpid();
  r.hdr.sock_id = d_.instance();
  uint32_t served = 0;  // the shim routes these domains to us (PROTOCOL.md "Finding the daemon")
  for (const Domain* dom : d_.stack().domains()) served |= ipc::domain_bit(dom->dom_family);
  r.hdr.a = int32_t(served);
}

void Dispatcher::op_socket(CtlRequest& q, CtlReply& r) {
  const int type = q.hdr.b & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  Socket* so = nullptr;
  // Every socket of a domain the daemon serves is the stack's or fails as
  // the kernel's would (EPROTONOSUPPORT, ESOCKTNOSUPPORT...): none is handed
  // to the host kernel.
  if (int e = socreate(d_.stack(), q.hdr.a, &so, type, q.hdr.c, td_of(q))) {
    r.hdr.error = e;
    return;
  }
  auto c = d_.add_chan(*so);
  // A stream or seqpacket socket starts as an unconnected kernel socket of
  // its type (PROTOCOL.md "Channels"); a datagram socket has its channel.
  int app = c->kind() == ChanKind::Dgram ? c->open_pair() : c->open_unconnected();
  if (app < 0) {
    r.hdr.error = -app;
    d_.close_socket(*so, "no channel");
    return;
  }
  r.hdr.sock_id = so->so_id;
  r.fds.push_back(app);
  logger("socket")->info("socket {}: {} {} created by pid {}", so->so_id, domain_name(q.hdr.a),
                         socktype_name(so->so_type), q.cred.pid);
}

void Dispatcher::op_socketpair(CtlRequest& q, CtlReply& r) {
  const int type = q.hdr.b & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  Socket* so1 = nullptr;
  Socket* so2 = nullptr;
  const Td td = td_of(q);
  if (int e = socreate(d_.stack(), q.hdr.a, &so1, type, q.hdr.c, td)) {
    r.hdr.error = e;
    return;
  }
  int e = socreate(d_.stack(), q.hdr.a, &so2, type, q.hdr.c, td);
  if (!e) e = soconnect2(*so1, *so2);
  auto c1 = d_.add_chan(*so1);
  auto c2 = so2 ? d_.add_chan(*so2) : nullptr;
  int app1 = e ? -1 : c1->open_pair();
  int app2 = (e || app1 < 0) ? -1 : c2->open_pair();
  if (!e && app1 < 0) e = -app1;
  if (!e && app2 < 0) e = -app2;
  if (e) {
    if (app1 >= 0) ::close(app1);
    if (app2 >= 0) ::close(app2);
    d_.close_socket(*so1, "socketpair failed");
    if (so2) d_.close_socket(*so2, "socketpair failed");
    r.hdr.error = e;
    return;
  }
  r.hdr.sock_id = so1->so_id;
  r.hdr.value = int64_t(so2->so_id);
  r.fds = {app1, app2};
  logger("socket")->info("socket {}: {} pair with socket {} created by pid {}", so1->so_id,
                         socktype_name(so1->so_type), so2->so_id, q.cred.pid);
}

void Dispatcher::op_bind(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  r.hdr.error = map_error(sobind(*so, q.addr, td_of(q)));
  if (r.hdr.error == ipc::kFallThrough) r.hdr.error = EADDRNOTAVAIL;
  if (!r.hdr.error) {
    SockAddr name;
    sogetsockname(*so, &name);
    logger("socket")->info("socket {}: bound to {}", so->so_id, sockaddr_text(name));
  }
}

void Dispatcher::op_listen(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  auto c = d_.chan(so->so_id);
  const bool again = c->listening();
  if (int e = solisten(*so, q.hdr.a, td_of(q))) {
    r.hdr.error = e;
    return;
  }
  if (again) return;  // new backlog only; the application keeps its listener
  if (c->unconnected()) {
    c->listen_in_place();
    r.hdr.value = 1;  // the shim: listen(2) on the application's own socket
    SockAddr name;
    sogetsockname(*so, &name);
    logger("socket")->info("socket {}: listening on {} (backlog {})", so->so_id, sockaddr_text(name), q.hdr.a);
    return;
  }
  int fd = c->open_listener();
  if (fd < 0) {
    r.hdr.error = -fd;
    return;
  }
  r.fds.push_back(fd);
  SockAddr name;
  sogetsockname(*so, &name);
  logger("socket")->info("socket {}: listening on {} (backlog {})", so->so_id, sockaddr_text(name), q.hdr.a);
}

// The protocol stopped listening (TCP's shutdown(SHUT_RD) or
// connect(AF_UNSPEC) on a listener): the application's kernel listener is
// replaced by an unconnected socket (reply fds[0]; the shim dup3()s it over
// the fd and binds it to the channel name), which polls OUT|HUP and refuses
// accept (EINVAL), as Linux's closed socket. False: still listening.
bool Dispatcher::unlisten_app(Socket& so, Chan& c, CtlReply& r, const char* why) {
  if ((so.so_options & SOF_ACCEPTCONN) || r.hdr.error) return false;
  int app = c.open_unconnected(false);
  if (app < 0) r.hdr.error = -app;
  else r.fds.push_back(app);
  logger("socket")->info("socket {}: no longer listening ({})", so.so_id, why);
  return true;
}

// Connect. A connect the protocol finishes within the call (the local
// domain, TCP over the stack's loopback) replies 0; one that goes on (a TCP
// handshake) replies EINPROGRESS: the shim connects the application's
// socket to the connect listener and writes the filler, and the channel
// stays Connecting until the stack is connected or fails (PROTOCOL.md
// "Connecting"). A blocking caller waits for POLLOUT on its own fd.
void Dispatcher::op_connect(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  auto c = d_.chan(so->so_id);
  if (q.hdr.flags & ipc::kRenewed) {  // the shim replaced its spent socket: nothing else
    if (c && c->app_spent() && q.hdr.value > 0 && d_.diag().exists(uint64_t(q.hdr.value)))
      c->renew_app(uint64_t(q.hdr.value));
    return;
  }
  if (q.addr.len >= sizeof(sa_family_t) && q.addr.family() == AF_UNSPEC &&
      (so->so_proto->pr_flags & PR_CONNREQUIRED)) {
    // Linux tcp_disconnect, whatever the state: the socket is unconnected
    // again and may connect anew. The application's fd (the channel's end
    // or an embryo) is spent: c 1, the shim renews it before it returns.
    const bool was_listening = c && c->listening();
    r.hdr.error = map_error(soconnect(*so, q.addr, td_of(q)));
    if (was_listening && unlisten_app(*so, *c, r, "connect AF_UNSPEC")) return;
    if (c && !r.hdr.error && !c->app_spent()) {
      c->disconnect_app();
      if (c->app_spent()) r.hdr.c = 1;
    }
    if (c) c->kick();
    return;
  }
  if (c && c->connect_unreported() && !(so->so_state & SS_ISCONNECTING)) {
    // Linux's connect after a nonblocking one ended: 0 once connected, or
    // the error (ECONNABORTED when SO_ERROR took it), then as usual.
    c->set_connect_unreported(false);
    if ((so->so_state & SS_ISCONNECTED) || c->ever_connected()) return;  // connected (a reset may follow)
    r.hdr.error = soconnect_failed(*so);
    // Linux disconnects the socket then (sk_shutdown 0: it polls OUT|HUP
    // and may connect again): the shim renews its spent socket now.
    if (c->app_spent()) r.hdr.c = 1;
    c->kick();
    return;
  }
  if (c && c->unconnected() && c->app_spent()) {
    // A failed connect left the application's socket connected to a
    // dropped embryo: the shim replaces it, then asks again naming it.
    if (q.hdr.value <= 0 || !d_.diag().exists(uint64_t(q.hdr.value))) {
      r.hdr.error = ipc::kRenewSocket;
      return;
    }
    c->renew_app(uint64_t(q.hdr.value));
  }
  if (c && c->unconnected() && c->app_renewed()) {
    // Linux tcp_disconnect after a failed connect: both directions open again.
    so->so_snd.sb_state &= ~SBS_CANTSENDMORE;
    so->so_rcv.sb_state &= ~SBS_CANTRCVMORE;
    c->set_app_renewed(false);
  }
  int e = map_error(soconnect(*so, q.addr, td_of(q)));
  if (e == 0 && (so->so_state & SS_ISCONNECTING) && !(so->so_state & SS_ISCONNECTED)) e = EINPROGRESS;
  if (c && e == EINPROGRESS) c->set_connect_unreported(true);  // (a blocking shim asks again after its wait)
  r.hdr.error = e;
  if (e == 0 || e == EINPROGRESS) {
    logger("socket")->info("socket {}: {} {}", so->so_id, e ? "connecting to" : "connected to",
                           sockaddr_text(q.addr));
    if (c && c->unconnected()) {
      // The application's kernel socket connects to this name next (the
      // shim, before connect returns): that connection is the channel.
      sockaddr_un name;
      socklen_t len = 0;
      if (int f = c->open_connect_listener(&name, &len, e == EINPROGRESS)) {
        logger("socket")->warn("socket {}: no channel for the connection: {}", so->so_id, std::strerror(-f));
        r.hdr.error = ENOBUFS;
        return;
      }
      r.addr = SockAddr::from(&name, len);
      r.hdr.value = 1;
      r.hdr.b = e == EINPROGRESS ? 1 : 0;  // write the filler
    }
    if (c) c->kick();
  } else {
    logger("socket")->debug("socket {}: connect to {}: {}", so->so_id, sockaddr_text(q.addr),
                            e == ipc::kFallThrough ? "not ours" : std::strerror(e));
    if (e == EAGAIN && !(q.hdr.flags & ipc::kNonblock)) give_wait_token(*so, r);
  }
}

// A blocking caller told EAGAIN (the stack noted this socket as a waiter):
// fds[0] is a pipe's read end that polls ready once it may retry.
void Dispatcher::give_wait_token(Socket& so, CtlReply& r) {
  auto c = d_.chan(so.so_id);
  int fd = c ? c->wait_token() : -1;
  if (fd >= 0) r.fds.push_back(fd);
}

Socket* Dispatcher::find_by_id_or_inode(const CtlRequest& q) {
  if (q.hdr.sock_id) return d_.stack().find_socket(q.hdr.sock_id);
  if (q.hdr.value <= 0) return nullptr;
  const uint64_t ino = uint64_t(q.hdr.value);
  if (auto c = d_.chan_by_inode(ino)) return c->so();  // a listener inode
  if (auto info = d_.diag().lookup(ino); info && info->peer_ino)
    if (auto c = d_.chan_by_inode(info->peer_ino)) return c->so();
  return nullptr;
}

void Dispatcher::describe(Socket& so, CtlReply& r) {
  r.hdr.sock_id = so.so_id;
  r.hdr.a = so.so_proto && so.so_proto->pr_domain ? so.so_proto->pr_domain->dom_family : 0;
  r.hdr.b = so.so_type;
  r.hdr.c = so.so_proto ? so.so_proto->pr_protocol : 0;
}

void Dispatcher::op_accepted(CtlRequest& q, CtlReply& r) {
  Socket* so = find_by_id_or_inode(q);
  auto c = so ? d_.chan(so->so_id) : nullptr;
  if (!c || c->closed()) {
    r.hdr.error = EBADF;
    return;
  }
  Socket* head = so->so_head;
  if (!head || !so->so_onqueue_comp) {
    r.hdr.error = EINVAL;  // not a queued connection (accepted already?)
    return;
  }
  // soaccept_dequeue takes the first: bring this one to the front.
  auto& q2 = head->so_comp;
  auto it = std::find(q2.begin(), q2.end(), so);
  if (it == q2.end()) {
    r.hdr.error = EINVAL;
    return;
  }
  q2.erase(it);
  q2.push_front(so);
  Socket* got = soaccept_dequeue(*head);
  SockAddr peer;
  if (got != so) {
    r.hdr.error = EINVAL;
    return;
  }
  if (int e = soaccept(*so, &peer)) {
    r.hdr.error = e;
    return;
  }
  describe(*so, r);
  r.addr = peer;
  c->kick();  // a reset before accept reaches the application's end now
  r.hdr.value = c->app_sndbuf();  // the shim sets its end's SO_SNDBUF to it (0: leave it)
  logger("socket")->info("socket {}: accepted on socket {} by pid {}", so->so_id, head->so_id, q.cred.pid);
}

void Dispatcher::op_identify(CtlRequest& q, CtlReply& r) {
  Socket* so = find_by_id_or_inode(q);
  auto c = so ? d_.chan(so->so_id) : nullptr;
  if (!c || c->closed()) {
    r.hdr.error = EBADF;
    return;
  }
  describe(*so, r);
  // value: so_state in the low 32 bits, so_options (SOF_*) in the high.
  r.hdr.value = int64_t(so->so_state) | (int64_t(so->so_options) << 32);
  sogetpeername(*so, &r.addr);
}

void Dispatcher::op_shutdown(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  const int how = q.hdr.a;
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
    r.hdr.error = EINVAL;
    return;
  }
  // Unconnected: ENOTCONN, unless the protocol shuts down all the same
  // (PR_SHUTENOTCONN), which soshutdown does and says so.
  const int unconnected = soshutdown_unconnected(*so) ? ENOTCONN : 0;
  if (unconnected && !(so->so_proto->pr_flags & PR_SHUTENOTCONN)) {
    r.hdr.error = ENOTCONN;
    return;
  }
  // SHUT_WR arrives as channel EOF, in order with the data before it: the
  // channel shuts the application's writing down from its end and reads up
  // to that EOF before this reply (run_pending), so the peer sees it when
  // the call returns, as on Linux.
  auto apply = [&](int h) {
    int e = soshutdown(*so, h);
    if (e && e != unconnected) r.hdr.error = e;
  };
  auto c = d_.chan(so->so_id);
  const bool was_listening = c && c->listening();
  const Domain* dom = so->so_proto->pr_domain;
  const bool tcp = so->so_type == SOCK_STREAM && dom && dom->dom_family != AF_UNIX;
  if (how != SHUT_WR && tcp && c && !was_listening && !unconnected && c->kind() == ChanKind::Stream) {
    // Linux's SHUT_RD on a TCP connection touches no protocol state: what
    // arrives is still queued and read (the shim takes it at its end's EOF).
    c->app_shutdown_read();
  } else if (how != SHUT_WR) {
    apply(SHUT_RD);
  }
  logger("socket")->debug("socket {}: shutdown({})", so->so_id, how);
  if (was_listening && unlisten_app(*so, *c, r, "shutdown")) return;
  // A datagram socket's sends come as calls, not through its channel: no
  // channel EOF carries SHUT_WR, the stack takes it here (later sends EPIPE).
  if (c && c->kind() == ChanKind::Dgram && how != SHUT_RD && !r.hdr.error) apply(SHUT_WR);
  if (c) {
    if (how != SHUT_RD && !r.hdr.error) c->app_shutdown_write();
    c->kick();
  }
  if (unconnected && !r.hdr.error) {
    r.hdr.value = 1;  // applied: the shim shuts its channel end down too
    r.hdr.error = unconnected;
  }
}

void Dispatcher::op_name(CtlRequest& q, CtlReply& r, bool peer) {
  Socket* so = lookup(q, r);
  if (!so) return;
  r.hdr.error = peer ? sogetpeername(*so, &r.addr) : sogetsockname(*so, &r.addr);
}

void Dispatcher::op_getsockopt(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  // TCP_INFO reports the connection's state: packets the kernel queued on
  // the TUN device before this call (a peer's final ACK) count first.
  if (q.hdr.a == IPPROTO_TCP && q.hdr.b == TCP_INFO)
    if (TunDevice* t = d_.inet().tun()) t->poll_now();
  if (q.hdr.c < 0) {
    r.hdr.error = EINVAL;
    return;
  }
  std::string buf(std::min(size_t(q.hdr.c), kMaxOptLen), '\0');
  Sockopt sopt;
  sopt.sopt_dir = SOPT_GET;
  sopt.sopt_level = q.hdr.a;
  sopt.sopt_name = q.hdr.b;
  sopt.sopt_val = buf.data();
  sopt.sopt_valsize = buf.size();
  sopt.sopt_td = td_of(q);
  r.hdr.error = sogetopt(*so, sopt);
  if (!r.hdr.error) {
    buf.resize(std::min(sopt.sopt_valsize, buf.size()));
    // TCP_INFO counts the program's unsent bytes: those still in the
    // channel, on their way to so_snd, too.
    if (q.hdr.a == IPPROTO_TCP && q.hdr.b == TCP_INFO && buf.size() >= kTcpiNotsentOff + sizeof(uint32_t))
      if (auto c = d_.chan(so->so_id)) {
        uint32_t v;
        char* at = buf.data() + kTcpiNotsentOff;
        std::memcpy(&v, at, sizeof v);
        v += uint32_t(c->held_inbound());
        std::memcpy(at, &v, sizeof v);
      }
    r.payload = std::move(buf);
  }
  // SO_ERROR consumed the pending error: the channel's error record is stale.
  if (sopt.sopt_level == SOL_SOCKET && sopt.sopt_name == SO_ERROR)
    if (auto c = d_.chan(so->so_id)) c->kick();
}

void Dispatcher::op_setsockopt(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  std::string buf(reinterpret_cast<const char*>(q.payload.data()), q.payload.size());
  Sockopt sopt;
  sopt.sopt_dir = SOPT_SET;
  sopt.sopt_level = q.hdr.a;
  sopt.sopt_name = q.hdr.b;
  sopt.sopt_val = buf.data();
  sopt.sopt_valsize = buf.size();
  sopt.sopt_td = td_of(q);
  r.hdr.error = sosetopt(*so, sopt);
  if (auto c = d_.chan(so->so_id)) {
    // The channel's kernel buffers follow SO_SNDBUF/SO_RCVBUF; value: what
    // the shim sets its end's SO_SNDBUF to (0: leave it).
    if (!r.hdr.error && q.hdr.a == SOL_SOCKET && (q.hdr.b == SO_SNDBUF || q.hdr.b == SO_RCVBUF ||
                                                   q.hdr.b == SO_SNDBUFFORCE || q.hdr.b == SO_RCVBUFFORCE)) {
      c->tune_buffers();
      r.hdr.value = c->app_sndbuf();
    }
    c->kick();  // watermarks may have changed
  }
}

void Dispatcher::op_sendto(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  if (q.hdr.c < 0 || size_t(q.hdr.c) > std::min<size_t>(q.payload.size(), MCLBYTES)) {
    r.hdr.error = q.hdr.c < 0 || size_t(q.hdr.c) > q.payload.size() ? EINVAL : ENOBUFS;  // Linux: optmem_max
    return;
  }
  const size_t ctllen = size_t(q.hdr.c);
  const size_t len = q.payload.size() - ctllen;
  mbuf* top = len ? m_devget(q.payload.data() + ctllen, int(len), M_NOWAIT, true) : m_gethdr(M_NOWAIT, MType::Data);
  if (!top) {
    r.hdr.error = ENOBUFS;
    return;
  }
  mbuf* control = nullptr;
  if (!q.fds.empty()) {
    std::vector<int> fds = q.fds;
    control = rights_mbuf(fds);
    if (!control) {
      m_freem(top);
      r.hdr.error = ENOBUFS;
      return;
    }
    q.fds.clear();  // the control mbuf holds them now
  }
  if (ctllen) {  // cmsgs for the protocol (IP_PKTINFO, IP_TTL, IP_TOS), one control mbuf
    mbuf* c = m_get2(int(ctllen), M_NOWAIT, MType::Control, false);
    if (!c) {
      m_freem(top);
      sodispose(*so, control);
      r.hdr.error = ENOBUFS;
      return;
    }
    std::memcpy(c->m_data, q.payload.data(), ctllen);
    c->m_len = int(ctllen);
    c->m_next = control;
    control = c;
  }
  const int had_error = so->so_error;
  int e = sosend(*so, q.addr.empty() ? nullptr : &q.addr, top, control, q.hdr.a, td_of(q));
  r.hdr.error = map_error(e);
  if (e == EAGAIN && !(q.hdr.flags & ipc::kNonblock)) give_wait_token(*so, r);
  if (!e) r.hdr.value = int64_t(len);
  if (had_error && !so->so_error) {  // the send reported the pending error: the error record is stale
    r.hdr.b = 1;                       // (the shim drops it when it is the channel's next record)
    if (auto c = d_.chan(so->so_id)) c->kick();
  }
  static const auto chan_log = logger("chan");  // per datagram: no registry lookup
  chan_log->trace("socket {}: sendto {} bytes to {}: {}", so->so_id, len, sockaddr_text(q.addr), e);
}

void Dispatcher::op_closed(CtlRequest& q, CtlReply& r) {
  auto c = d_.chan(q.hdr.sock_id);
  if (!c || c->closed()) {
    r.hdr.error = EBADF;
    return;
  }
  if (c->listening() && c->listener_gone()) d_.close_socket(*c->so(), "listener closed");
  // The last descriptor is gone: read what the application wrote before it
  // closed, then the channel's EOF closes the socket (on_eof), all before
  // this reply (run_pending).
  else if (c->app_closed_now()) c->kick();
  else if (c->unconnected_gone()) d_.close_socket(*c->so(), "last close");
}

// FIONREAD/SIOCINQ, SIOCOUTQ, SIOCOUTQNSD. FIONREAD: so_rcv; the shim adds
// what its own channel end holds (its SIOCINQ counts bytes; ours, SIOCOUTQ
// on the daemon's end, counts skb truesize: 768 for 16 bytes). For an inet
// stream socket the send-side answers count the channel too, so the
// program sees the stack's figure: unsent = so_snd + bytes it wrote that
// we have not read yet (our SIOCINQ, bytes).
// close() with a nonzero SO_LINGER (the shim closed its descriptor first;
// close_linger.cpp): value 1 and a wait token while the connection is
// closing (Linux sk_stream_wait_close: FIN-WAIT-1, CLOSING, LAST-ACK),
// woken by every ACK (so_writable) and when the socket is freed; 0 when it
// is done, gone, or was not the last descriptor (the channel end lives on).
void Dispatcher::op_linger(CtlRequest& q, CtlReply& r) {
  Socket* so = d_.stack().find_socket(q.hdr.sock_id);
  auto c = so ? d_.chan(so->so_id) : nullptr;
  if (!c) return;
  if (!c->closed()) {
    if (!c->app_closed_now()) return;
    c->kick();  // read what the channel still holds, see the hang-up: soclose
    d_.run_pending();
    so = d_.stack().find_socket(q.hdr.sock_id);
    if (!so || d_.chan(so->so_id) != c) return;
  }
  if (c->closed()) {
    alignas(8) char ti[256]{};
    if (stack_tcp_info(*so, ti) < 1) return;
    const uint8_t state = uint8_t(ti[0]);  // tcpi_state
    if (state != TCP_FIN_WAIT1 && state != TCP_CLOSING && state != TCP_LAST_ACK) return;
  }
  r.hdr.value = 1;
  give_wait_token(*so, r);
}

void Dispatcher::op_ioctl(CtlRequest& q, CtlReply& r) {
  if (q.hdr.a == ipc::kIoctlLinger) return op_linger(q, r);
  Socket* so = lookup(q, r);
  if (!so) return;
  auto c = d_.chan(so->so_id);
  const Domain* dom = so->so_proto->pr_domain;
  const bool inet_stream = so->so_type == SOCK_STREAM && dom && dom->dom_family != AF_UNIX;
  switch (unsigned(q.hdr.a)) {
    case FIONREAD:
      // What the peer wrote into its channel is queued here on Linux at
      // once: read it into the stack and on into this socket's channel
      // first (the shim adds what its channel holds to the answer).
      if (Socket* peer = uipc_peer(*so))
        if (auto pc = d_.chan(peer->so_id)) pc->kick();
      d_.run_pending();
      r.hdr.value = so->so_rcv.sb_cc;
      break;
    case TIOCOUTQ:
      r.hdr.value = so->so_snd.sb_cc;
      if (inet_stream && c) r.hdr.value += c->held_inbound();
      break;
    case SIOCOUTQNSD: {
      // Not yet sent: the protocol's own figure (TCP_INFO's notsent, Linux
      // write_seq - snd_nxt, which op_getsockopt already adds the channel
      // to), else all of so_snd plus the channel.
      const long notsent = stack_tcp_notsent(*so);
      r.hdr.value = (notsent >= 0 ? notsent : long(so->so_snd.sb_cc)) + (inet_stream && c ? c->held_inbound() : 0);
      break;
    }
    case unsigned(ipc::kIoctlUrgent):
      if (c) c->watch_urgent();
      break;
    case unsigned(ipc::kIoctlReadError):
      if (c && c->app_shut_read() && so->so_rcv.sb_cc > 0 && q.hdr.b > 0) {
        // After SHUT_RD: what arrived since, before any error (tcp_recvmsg
        // reads the queue first).
        std::string data(std::min<size_t>(size_t(q.hdr.b), 64 * 1024), '\0');
        RecvArgs a;
        a.buf = reinterpret_cast<std::byte*>(data.data());
        a.len = data.size();
        a.flags = (q.hdr.c & MSG_PEEK) | MSG_DONTWAIT;
        if (soreceive(*so, a) == 0 && a.done > 0) {
          data.resize(a.done);
          r.payload = std::move(data);
          c->kick();
          break;
        }
      }
      r.hdr.value = c ? c->take_read_error() : 0;
      if (c) c->kick();
      break;
    default: r.hdr.error = ENOTTY; break;
  }
}

void Dispatcher::op_stats(CtlRequest&, CtlReply& r) { r.payload = d_.stats_text(); }

// recvmsg(MSG_ERRQUEUE): the first entry of an inet or inet6 socket's error
// queue (IP_RECVERR / IPV6_RECVERR); reply payload = the cmsg (c bytes) then
// the data.
void Dispatcher::op_recverr(CtlRequest& q, CtlReply& r) {
  Socket* so = lookup(q, r);
  if (!so) return;
  const Domain* dom = so->so_proto->pr_domain;
  const bool inet = dom && (dom->dom_family == AF_INET || dom->dom_family == AF_INET6);
  if (!inet || q.hdr.b < 0 || q.hdr.c < 0) {
    r.hdr.error = (dom && !inet) ? EAGAIN : EINVAL;  // AF_UNIX: nothing is ever queued
    return;
  }
  std::string data(std::min<size_t>(size_t(q.hdr.b), 65536), '\0');
  RecvArgs a;
  a.buf = reinterpret_cast<std::byte*>(data.data());
  a.len = data.size();
  a.flags = q.hdr.a;
  mbuf* control = nullptr;
  a.controlp = &control;
  SockAddr from;
  a.from = &from;
  r.hdr.error = in_errqueue_receive(*so, a);
  std::string ctl;
  for (mbuf* m = control; m; m = m->m_next) ctl.append(reinterpret_cast<const char*>(m->m_data), size_t(m->m_len));
  m_freem(control);
  if (r.hdr.error) return;
  r.hdr.c = int(ctl.size());
  r.hdr.b = a.flags;
  r.hdr.value = int64_t(a.full);
  r.addr = from;
  data.resize(a.done);
  r.payload = ctl + data;
  if (auto c = d_.chan(so->so_id)) c->kick();  // so_error now names the next queued error, or none
  logger("socket")->debug("socket {}: error queue read: {} bytes, {} left", so->so_id, a.done, in_errqueue_len(*so));
}

}  // namespace tunsock::daemon
