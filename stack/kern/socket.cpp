// The socket layer's life cycle: creation, naming, listening and the accept
// queues, connecting, shutdown, closing and freeing, and the notifications
// protocols call back through. FreeBSD: sys/kern/uipc_socket.c.
//
// A socket's life: socreate() attaches a protocol (so_pcb). A listening
// socket's connections are made by sonewconn() with SS_NOFDREF set and sit on
// so_incomp until the protocol calls soisconnected(), which moves them to
// so_comp and wakes the head; soaccept_dequeue() takes one off and soaccept()
// gives it its file reference. soclose() is the last reference going away:
// queued connections are aborted, the protocol disconnects and detaches, and
// sofree() destroys the socket once it has neither a reference nor a pcb.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "kern/socket.hpp"
#include "kern/stack.hpp"

namespace tunsock {
namespace {

// Linux: NPROTO (families), SOCK_MAX and SOCK_TYPE_MASK.
constexpr int kNproto = 46;
constexpr int kSockMax = 10;
constexpr int kSockTypeMask = 0xf;

const PrUsrreqs& pru(const Socket& so) { return so.so_proto->pr_usrreqs; }

void dispose_cb(mbuf* control, void* arg) {
  Socket& so = *static_cast<Socket*>(arg);
  pru(so).pru_dispose(so, control);
}

// Take so off its head's queue (whichever it is on).
void soqremove(Socket& so) {
  Socket* head = so.so_head;
  if (!head) return;
  auto& q = so.so_onqueue_comp ? head->so_comp : head->so_incomp;
  if (auto it = std::find(q.begin(), q.end(), &so); it != q.end()) q.erase(it);
  head->so_qlen = int(head->so_comp.size());
  head->so_incqlen = int(head->so_incomp.size());
  so.so_head = nullptr;
  so.so_onqueue_comp = false;
}

}  // namespace

int socreate(Stack& st, int dom, Socket** aso, int type, int proto, const Td& td) {
  *aso = nullptr;
  // Linux __sock_create's order: a family out of range, a type out of
  // range (or unknown flags), then what the family itself says.
  if (dom < 0 || dom >= kNproto) return EAFNOSUPPORT;
  if (type & ~(kSockTypeMask | SOCK_NONBLOCK | SOCK_CLOEXEC)) return EINVAL;
  type &= kSockTypeMask;
  if (type >= kSockMax) return EINVAL;
  const Domain* d = pffinddomain(st, dom);
  if (!d) return EAFNOSUPPORT;
  if (type == SOCK_RAW && d->dom_rawtype) type = d->dom_rawtype;
  const bool known_proto = proto == 0 || proto == d->dom_protoalias ||
                           std::any_of(d->dom_protosw.begin(), d->dom_protosw.end(),
                                       [&](const Protosw& p) { return p.pr_protocol == proto; });
  if ((d->dom_flags & DOM_PROTOFIRST) && !known_proto) return EPROTONOSUPPORT;
  if (!pffindtype(st, dom, type)) return ESOCKTNOSUPPORT;
  const Protosw* prp = pffindproto(st, dom, proto, type);
  if (!prp) return EPROTONOSUPPORT;

  Socket* so = st.alloc_socket();
  so->so_type = type;
  so->so_proto = prp;
  so->so_cred = td.cred;
  sbreserve(so->so_snd, st.sysctl().wmem_default);
  sbreserve(so->so_rcv, st.sysctl().rmem_default);
  if (int e = pru(*so).pru_attach(*so, proto, td)) {
    so->so_state |= SS_NOFDREF;
    sofree(*so);
    return e;
  }
  *aso = so;
  return 0;
}

int sobind(Socket& so, const SockAddr& nam, const Td& td) { return pru(so).pru_bind(so, nam, td); }

int solisten(Socket& so, int backlog, const Td& td) {
  // Linux: a connectionless socket has no listen (sock_no_listen); a
  // connected one cannot start (EINVAL); the protocol decides the rest.
  if (!(so.so_proto->pr_flags & PR_CONNREQUIRED)) return EOPNOTSUPP;
  if (so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) return EINVAL;
  if (int e = pru(so).pru_listen(so, backlog, td)) return e;
  // Linux: (unsigned)backlog > somaxconn -> somaxconn, so a negative backlog
  // means the maximum; listen() again just updates the limit.
  const int somaxconn = so.so_stack->sysctl().somaxconn;
  if (backlog < 0 || backlog > somaxconn) backlog = somaxconn;
  so.so_qlimit = backlog;
  so.so_options |= SOF_ACCEPTCONN;
  so.so_stack->upcalls().so_statechange(so);
  sowwakeup(so);  // connectors waiting for room may retry
  return 0;
}

Socket* sonewconn(Socket& head, uint32_t connstatus) {
  Stack& st = *head.so_stack;
  if (head.so_qlen > head.so_qlimit) {  // Linux sk_acceptq_is_full
    ++st.sostat().listen_overflows;
    return nullptr;
  }
  Socket* so = st.alloc_socket();
  so->so_type = head.so_type;
  so->so_options = head.so_options & ~SOF_ACCEPTCONN;
  so->so_linger = head.so_linger;
  so->so_state = SS_NOFDREF;
  so->so_proto = head.so_proto;
  so->so_cred = head.so_cred;
  sbreserve(so->so_snd, head.so_snd.sb_hiwat);
  sbreserve(so->so_rcv, head.so_rcv.sb_hiwat);
  so->so_snd.sb_flags = head.so_snd.sb_flags & SB_USERSET;  // Linux: sk_userlocks are inherited
  so->so_rcv.sb_flags = head.so_rcv.sb_flags & SB_USERSET;
  so->so_snd.sb_lowat = head.so_snd.sb_lowat;
  so->so_rcv.sb_lowat = head.so_rcv.sb_lowat;
  so->so_snd.sb_timeo_us = head.so_snd.sb_timeo_us;
  so->so_rcv.sb_timeo_us = head.so_rcv.sb_timeo_us;
  if (pru(*so).pru_attach(*so, 0, Td{head.so_cred, {}})) {
    sofree(*so);
    return nullptr;
  }
  so->so_head = &head;
  if (connstatus) {
    so->so_onqueue_comp = true;
    head.so_comp.push_back(so);
    head.so_qlen = int(head.so_comp.size());
    so->so_state |= connstatus;
    sorwakeup(head);
  } else {
    head.so_incomp.push_back(so);
    head.so_incqlen = int(head.so_incomp.size());
  }
  return so;
}

int soaccept_check(const Socket& head) {
  if (!(head.so_options & SOF_ACCEPTCONN)) return EINVAL;
  if (head.so_comp.empty()) return head.so_error ? head.so_error : EWOULDBLOCK;
  return 0;
}

Socket* soaccept_dequeue(Socket& head) {
  if (head.so_comp.empty()) return nullptr;
  Socket* so = head.so_comp.front();
  soqremove(*so);
  return so;
}

int soaccept(Socket& so, SockAddr* nam) {
  so.so_state &= ~SS_NOFDREF;
  ++so.so_stack->sostat().accepted;
  SockAddr tmp;
  return pru(so).pru_accept(so, nam ? nam : &tmp);
}

// connect(AF_UNSPEC) on a connection-oriented socket: Linux's
// __inet_stream_connect disconnects whatever the state (the protocol
// aborts the connection: TCP sends RST), and tcp_disconnect leaves the
// socket as new: unconnected, both directions open, queues empty, so that
// it may connect again; the error is the protocol's to set (TCP:
// ECONNRESET for a connection it reset). A protocol that refuses the name
// (AF_UNIX: EINVAL) changes nothing.
static int soconnect_unspec(Socket& so, const SockAddr& nam, const Td& td) {
  if (int e = pru(so).pru_connect(so, nam, td)) return e;
  so.so_state &= ~(SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING);
  sbflush(so.so_rcv);
  sbflush(so.so_snd);
  so.so_rcv.sb_state &= ~SBS_CANTRCVMORE;
  so.so_snd.sb_state &= ~SBS_CANTSENDMORE;
  so.so_stack->upcalls().so_statechange(so);
  return 0;
}

int soconnect(Socket& so, const SockAddr& nam, const Td& td) {
  if ((so.so_proto->pr_flags & PR_CONNREQUIRED) && nam.len >= sizeof(sa_family_t) && nam.family() == AF_UNSPEC)
    return soconnect_unspec(so, nam, td);
  if ((so.so_proto->pr_flags & PR_CONNREQUIRED) && (so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING)))
    return (so.so_state & SS_ISCONNECTED) ? EISCONN : EALREADY;
  ++so.so_stack->sostat().connects;
  // A connectionless socket may connect again (or to AF_UNSPEC to dissolve
  // the association): the protocol replaces the old destination itself.
  int e = pru(so).pru_connect(so, nam, td);
  if (e == ECONNREFUSED) ++so.so_stack->sostat().connect_refused;
  return e;
}

// The connect call that reports how a connect in progress failed (Linux
// __inet_stream_connect's sock_error: the blocking connect's own answer, or
// the connect after a nonblocking one): the error (so_error, or
// ECONNABORTED when SO_ERROR took it), and the protocol disconnects the
// socket (sk_prot->disconnect; TCP drops a source address the program did
// not bind, the port stays). Until then the socket keeps its name.
int soconnect_failed(Socket& so) {
  int e = so.so_error;
  so.so_error = 0;
  if (!e) e = ECONNABORTED;
  pru(so).pru_disconnect(so);
  return e;
}

int soconnect2(Socket& so1, Socket& so2) {
  if (so1.so_proto != so2.so_proto) return EPROTOTYPE;
  return pru(so1).pru_connect2(so1, so2);
}

int sodisconnect(Socket& so) {
  if (!(so.so_state & SS_ISCONNECTED)) return ENOTCONN;
  if (so.so_state & SS_ISDISCONNECTING) return EALREADY;
  return pru(so).pru_disconnect(so);
}

bool soshutdown_unconnected(const Socket& so) {
  return !(so.so_proto->pr_flags & PR_SHUTUNCONN) && !(so.so_options & SOF_ACCEPTCONN) &&
         !(so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING));
}

// Connections nobody accepted are aborted (their peers see a reset).
void soabort_queued(Socket& so) {
  while (!so.so_incomp.empty() || !so.so_comp.empty()) {
    Socket* sp = !so.so_incomp.empty() ? so.so_incomp.front() : so.so_comp.front();
    soqremove(*sp);
    sp->so_state |= SS_NOFDREF;
    soabort(*sp);
  }
}

void solisten_stop(Socket& so) {
  if (!(so.so_options & SOF_ACCEPTCONN)) return;
  soabort_queued(so);
  so.so_options &= ~SOF_ACCEPTCONN;
  so.so_stack->upcalls().so_statechange(so);
}

int soshutdown(Socket& so, int how) {
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return EINVAL;
  int error = 0;
  if (soshutdown_unconnected(so)) {
    if (!(so.so_proto->pr_flags & PR_SHUTENOTCONN)) return ENOTCONN;
    error = ENOTCONN;  // applied below all the same: pollers see the hang-up
  }
  if (how != SHUT_WR) {
    // DEVIATION from FreeBSD's sorflush: what is queued stays readable, as
    // on Linux (AF_UNIX and TCP alike); nothing more will be appended by a
    // protocol that honours SBS_CANTRCVMORE.
    const bool listening = so.so_options & SOF_ACCEPTCONN;
    pru(so).pru_flush(so, how);
    if (listening && !(so.so_options & SOF_ACCEPTCONN)) {
      // The protocol stopped listening (Linux inet_shutdown on a TCP
      // listener: tcp_disconnect): an unconnected socket, nothing shut.
      so.so_rcv.sb_state &= ~SBS_CANTRCVMORE;
      so.so_snd.sb_state &= ~SBS_CANTSENDMORE;
      return 0;
    }
    socantrcvmore(so);
  }
  if (how != SHUT_RD) {
    int e = pru(so).pru_shutdown(so);
    if (e == EOPNOTSUPP) socantsendmore(so);  // a protocol without the request
    else if (e) return e;
  }
  return error;
}

void soabort(Socket& so) {
  pru(so).pru_abort(so);
  if (so.so_pcb) pru(so).pru_detach(so);
  sofree(so);
}

int soclose(Socket& so) {
  so.so_state |= SS_NOFDREF;
  if (so.so_options & SOF_ACCEPTCONN) soabort_queued(so);
  int error = 0;
  if ((so.so_state & SS_ISCONNECTED) && !(so.so_state & SS_ISDISCONNECTING)) {
    error = sodisconnect(so);
    if (error == ENOTCONN) error = 0;
  }
  if (so.so_pcb) pru(so).pru_close(so);
  if (so.so_pcb) pru(so).pru_detach(so);
  sofree(so);
  return error;
}

void sofree(Socket& so) {
  if (!(so.so_state & SS_NOFDREF) || so.so_pcb) return;
  soqremove(so);
  sbflush(so.so_snd, dispose_cb, &so);
  sbflush(so.so_rcv, dispose_cb, &so);
  so.so_stack->upcalls().so_freed(so);
  so.so_stack->free_socket(&so);
}

void sodispose(Socket& so, mbuf* control) {
  if (!control) return;
  pru(so).pru_dispose(so, control);
  m_freem(control);
}

int sogetsockname(Socket& so, SockAddr* nam) {
  *nam = SockAddr{};
  return pru(so).pru_sockaddr(so, nam);
}

int sogetpeername(Socket& so, SockAddr* nam) {
  *nam = SockAddr{};
  if (!(so.so_state & (SS_ISCONNECTED | SS_ISCONFIRMING))) return ENOTCONN;
  return pru(so).pru_peeraddr(so, nam);
}

// --- protocol -> socket layer ---

void soisconnecting(Socket& so) {
  so.so_state &= ~(SS_ISCONNECTED | SS_ISDISCONNECTING);
  so.so_state |= SS_ISCONNECTING;
  so.so_stack->upcalls().so_statechange(so);
}

void soisconnected(Socket& so) {
  so.so_state &= ~(SS_ISCONNECTING | SS_ISDISCONNECTING | SS_ISCONFIRMING);
  so.so_state |= SS_ISCONNECTED;
  Socket* head = so.so_head;
  if (head && !so.so_onqueue_comp) {
    // Complete: from so_incomp to so_comp, and the listener becomes readable.
    auto& inc = head->so_incomp;
    if (auto it = std::find(inc.begin(), inc.end(), &so); it != inc.end()) inc.erase(it);
    head->so_comp.push_back(&so);
    so.so_onqueue_comp = true;
    head->so_qlen = int(head->so_comp.size());
    head->so_incqlen = int(head->so_incomp.size());
    sorwakeup(*head);
    return;
  }
  so.so_stack->upcalls().so_statechange(so);
  sorwakeup(so);
  sowwakeup(so);
}

void soisdisconnecting(Socket& so) {
  so.so_state &= ~SS_ISCONNECTING;
  so.so_state |= SS_ISDISCONNECTING;
  so.so_rcv.sb_state |= SBS_CANTRCVMORE;
  so.so_snd.sb_state |= SBS_CANTSENDMORE;
  so.so_stack->upcalls().so_statechange(so);
  sorwakeup(so);
  sowwakeup(so);
}

void soisdisconnected(Socket& so) {
  so.so_state &= ~(SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING);
  so.so_rcv.sb_state |= SBS_CANTRCVMORE;
  so.so_snd.sb_state |= SBS_CANTSENDMORE;
  so.so_stack->upcalls().so_statechange(so);
  sorwakeup(so);
  sowwakeup(so);
}

void socantsendmore(Socket& so) {
  if (so.so_snd.sb_state & SBS_CANTSENDMORE) return;
  so.so_snd.sb_state |= SBS_CANTSENDMORE;
  so.so_stack->upcalls().so_statechange(so);
  sowwakeup(so);
}

void socantrcvmore(Socket& so) {
  if (so.so_rcv.sb_state & SBS_CANTRCVMORE) return;
  so.so_rcv.sb_state |= SBS_CANTRCVMORE;
  so.so_stack->upcalls().so_statechange(so);
  sorwakeup(so);
}

void sorwakeup(Socket& so) { so.so_stack->upcalls().so_readable(so); }
void sowwakeup(Socket& so) { so.so_stack->upcalls().so_writable(so); }

bool soreadable(const Socket& so) {
  if (so.so_options & SOF_ACCEPTCONN) return !so.so_comp.empty() || so.so_error;
  if (so.so_error || (so.so_rcv.sb_state & SBS_CANTRCVMORE)) return true;
  if (!so.so_rcv.sb_mb) return false;
  // A record (even an empty datagram) is readable; a stream needs lowat bytes.
  if (so.so_proto->pr_flags & PR_ATOMIC) return true;
  return so.so_rcv.sb_cc >= std::max(1u, so.so_rcv.sb_lowat);
}

bool sowriteable(const Socket& so) {
  if (so.so_options & SOF_ACCEPTCONN) return false;
  if (so.so_error || (so.so_snd.sb_state & SBS_CANTSENDMORE)) return true;
  if ((so.so_proto->pr_flags & PR_CONNREQUIRED) && !(so.so_state & SS_ISCONNECTED)) return false;
  return sosendspace(so) >= long(std::max(1u, so.so_snd.sb_lowat));
}

long sosendspace(const Socket& so) { return pru(so).pru_sendspace(so); }

}  // namespace tunsock
