// The local domain's user requests: attach/detach, connect (stream and
// seqpacket through the listener's accept queue; datagram as a default
// destination), send straight into the peer's so_rcv, shutdown, close, and
// the rights (SCM_RIGHTS) that ride in control mbufs. FreeBSD:
// sys/kern/uipc_usrreq.c; errnos and corner cases as Linux net/unix/af_unix.c.
//
// Data never sits in so_snd here: a send appends to the receiver's so_rcv
// (FreeBSD does the same), so back-pressure is the receiver's space
// (sosendspace). Rights are opaque: the daemon owns the descriptors a
// control mbuf names; this file only moves the mbufs and, when nobody will
// receive them, hands them to upcalls().so_dispose_rights.
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

#include "local/unp.hpp"

namespace tunsock {
namespace {

LocalDomainState& lstate(const Socket& so) { return local_state(*so.so_stack); }

bool connection_type(const Socket& so) { return so.so_type != SOCK_DGRAM; }

int record_count(const Sockbuf& sb) {
  int n = 0;
  for (const mbuf* m = sb.sb_mb; m; m = m->m_nextpkt) ++n;
  return n;
}

void free_send(Socket& so, mbuf* m, mbuf* control) {
  m_freem(m);
  sodispose(so, control);
}

void remove_ref(UnpCb& target, UnpCb* unp) {
  auto& r = target.unp_refs;
  for (auto it = r.begin(); it != r.end(); ++it)
    if (*it == unp) {
      r.erase(it);
      return;
    }
}

void add_waiter(UnpCb& full, const Socket& waiter) {
  auto& w = full.unp_waiters;
  for (uint64_t id : w)
    if (id == waiter.so_id) return;
  w.push_back(waiter.so_id);
}

void wake_waiters(UnpCb& unp) {
  if (unp.unp_waiters.empty()) return;
  std::vector<uint64_t> w;
  w.swap(unp.unp_waiters);
  Stack& st = *unp.unp_socket->so_stack;
  for (uint64_t id : w)
    if (Socket* so = st.find_socket(id)) sowwakeup(*so);
}

void dispose_control(mbuf* control, void* arg) {
  Socket& so = *static_cast<Socket*>(arg);
  so.so_proto->pr_usrreqs.pru_dispose(so, control);
}

// Linux unix_dgram_disconnected: a datagram socket that leaves its
// destination loses what it had queued, and the old destination, if it was
// connected back (a pair), learns of it by ECONNRESET.
void unp_dgram_disconnect(UnpCb& unp, bool purge) {
  UnpCb* old = unp.unp_conn;
  Socket& so = *unp.unp_socket;
  const bool was = old || unp.unp_peer_gone;
  if (old) remove_ref(*old, &unp);
  unp.unp_conn = nullptr;
  unp.unp_peer_gone = false;
  unp.unp_lostpeer = SockAddr{};
  so.so_state &= ~SS_ISCONNECTED;
  if (purge && was && so.so_rcv.sb_mb) {
    sbflush(so.so_rcv, dispose_control, &so);
    if (old && old->unp_conn == &unp) {
      old->unp_socket->so_error = ECONNRESET;
      sorwakeup(*old->unp_socket);
    }
  }
  if (was) so.so_stack->upcalls().so_statechange(so);
}

// A stream or seqpacket socket goes away: its peer can neither send nor
// receive any more, and learns of a reset when data was left unread here
// or the connection was never accepted (Linux unix_release_sock).
void unp_drop_peer(UnpCb& unp, bool embryo) {
  UnpCb* peer = unp.unp_conn;
  if (!peer) return;
  Socket& so = *unp.unp_socket;
  Socket& pso = *peer->unp_socket;
  unp.unp_conn = nullptr;
  peer->unp_conn = nullptr;
  peer->unp_peer_gone = true;
  peer->unp_lostpeer = unp_name_of(&unp);
  if (so.so_rcv.sb_mb || so.so_rcv_unread || embryo) pso.so_error = ECONNRESET;
  socantsendmore(pso);
  socantrcvmore(pso);
}

void unp_disconnect(UnpCb& unp) {
  if (connection_type(*unp.unp_socket)) unp_drop_peer(unp, false);
  else unp_dgram_disconnect(unp, false);
}

// --- user requests ---

int uipc_attach(Socket& so, int, const Td&) {
  auto* unp = new (std::nothrow) UnpCb;
  if (!unp) return ENOBUFS;
  unp->unp_socket = &so;
  so.so_pcb = unp;
  return 0;
}

void uipc_detach(Socket& so) {
  UnpCb* unp = sotounpcb(so);
  if (!unp) return;
  unp_disconnect(*unp);
  // Datagram sockets that sent here by default find the name gone.
  const SockAddr myname = unp_name_of(unp);
  for (UnpCb* ref : unp->unp_refs) {
    ref->unp_conn = nullptr;
    ref->unp_peer_gone = true;
    ref->unp_lostpeer = myname;
  }
  unp->unp_refs.clear();
  wake_waiters(*unp);  // they retry and learn the name is gone
  unp_unname(*unp);
  so.so_pcb = nullptr;
  delete unp;
}

void uipc_abort(Socket& so) {
  if (UnpCb* unp = sotounpcb(so)) {
    if (connection_type(so)) unp_drop_peer(*unp, true);
    else unp_dgram_disconnect(*unp, false);
  }
}

int uipc_bind(Socket& so, const SockAddr& nam, const Td& td) { return unp_bind(*sotounpcb(so), nam, td); }

int uipc_listen(Socket& so, int, const Td& td) {
  UnpCb* unp = sotounpcb(so);
  if (!connection_type(so)) return EOPNOTSUPP;
  if (!unp->unp_addr.len) return EINVAL;  // no listening on an unbound socket
  // Connectors copy these (Linux init_peercred at listen time).
  so.so_peercred = td.cred;
  so.so_peercred_valid = true;
  wake_waiters(*unp);  // a new backlog may have room
  return 0;
}

int connect_stream(Socket& so, UnpCb& unp, const SockAddr& nam, const Td& td) {
  Stack& st = *so.so_stack;
  LocalDomainState& ls = lstate(so);
  UnpCb* target = nullptr;
  if (int e = unp_lookup(st, nam, td, so.so_type, &target)) return e;
  Socket& head = *target->unp_socket;
  if (!(head.so_options & SOF_ACCEPTCONN) || (head.so_rcv.sb_state & SBS_CANTRCVMORE)) {
    ++ls.stats.refused;
    return ECONNREFUSED;
  }
  if (head.so_qlen > head.so_qlimit) {  // Linux unix_recvq_full: the caller retries
    ++st.sostat().listen_overflows;
    add_waiter(*target, so);
    return EAGAIN;
  }
  Socket* nso = sonewconn(head, 0);
  if (!nso) return ENOBUFS;
  UnpCb* nunp = sotounpcb(*nso);
  // The new socket answers getsockname with the listener's name (Linux
  // shares the address), without holding the name itself.
  nunp->unp_addr = target->unp_addr;
  nunp->unp_listener = head.so_id;
  nso->so_peercred = td.cred;
  nso->so_peercred_valid = true;
  so.so_peercred = head.so_peercred;
  so.so_peercred_valid = head.so_peercred_valid;
  unp.unp_conn = nunp;
  nunp->unp_conn = &unp;
  unp.unp_peer_gone = false;
  ++ls.stats.connects;
  soisconnected(*nso);  // onto so_comp: the listener becomes readable
  soisconnected(so);
  return 0;
}

// Linux unix_may_send: a datagram socket connected elsewhere takes nothing
// from anyone else.
bool may_send(const UnpCb& from, const UnpCb& to) { return !to.unp_conn || to.unp_conn == &from; }

int connect_dgram(Socket& so, UnpCb& unp, const SockAddr& nam, const Td& td) {
  UnpCb* target = nullptr;
  if (int e = unp_lookup(*so.so_stack, nam, td, so.so_type, &target)) return e;
  if (!may_send(unp, *target)) return EPERM;
  if (unp.unp_conn != target) unp_dgram_disconnect(unp, true);
  if (unp.unp_conn != target) {
    unp.unp_conn = target;
    target->unp_refs.push_back(&unp);
  }
  unp.unp_peer_gone = false;
  ++lstate(so).stats.connects;
  soisconnected(so);
  return 0;
}

int uipc_connect(Socket& so, const SockAddr& nam, const Td& td) {
  UnpCb* unp = sotounpcb(so);
  // A listener: Linux answers EINVAL where FreeBSD says EOPNOTSUPP.
  if (so.so_options & SOF_ACCEPTCONN) return EINVAL;
  if (!connection_type(so)) {
    if (nam.len < sizeof(sa_family_t)) return EINVAL;
    if (nam.family() == AF_UNSPEC) {  // dissolve the association
      unp_dgram_disconnect(*unp, true);
      return 0;
    }
  }
  if (int e = unp_validate_addr(nam)) return e;
  if (so.so_options & SOF_PASSCRED)
    if (int e = unp_autobind(*unp)) return e;
  return connection_type(so) ? connect_stream(so, *unp, nam, td) : connect_dgram(so, *unp, nam, td);
}

int uipc_connect2(Socket& so1, Socket& so2) {
  UnpCb* u1 = sotounpcb(so1);
  UnpCb* u2 = sotounpcb(so2);
  if (!u1 || !u2 || so1.so_type != so2.so_type) return EPROTOTYPE;
  // socketpair(): each end's peer credentials are the creator's.
  so1.so_peercred = so1.so_cred;
  so2.so_peercred = so2.so_cred;
  so1.so_peercred_valid = so2.so_peercred_valid = true;
  u1->unp_conn = u2;
  u2->unp_conn = u1;
  if (!connection_type(so1)) {
    u2->unp_refs.push_back(u1);
    u1->unp_refs.push_back(u2);
  }
  soisconnected(so1);
  soisconnected(so2);
  return 0;
}

int uipc_disconnect(Socket& so) {
  if (UnpCb* unp = sotounpcb(so)) unp_disconnect(*unp);
  return 0;
}

int uipc_accept(Socket& so, SockAddr* nam) {
  UnpCb* unp = sotounpcb(so);
  // Off the listener's queue: a connector told EAGAIN may come in now.
  if (Socket* head = so.so_stack->find_socket(unp->unp_listener))
    if (UnpCb* hunp = sotounpcb(*head)) wake_waiters(*hunp);
  unp->unp_listener = 0;
  if (unp->unp_conn) *nam = unp_name_of(unp->unp_conn);
  else if (unp->unp_peer_gone) *nam = unp->unp_lostpeer;
  else *nam = unp_name_of(nullptr);
  return 0;
}

int uipc_peeraddr(Socket& so, SockAddr* nam) {
  UnpCb* unp = sotounpcb(so);
  if (unp->unp_conn) *nam = unp_name_of(unp->unp_conn);
  else if (unp->unp_peer_gone) *nam = unp->unp_lostpeer;
  else return ENOTCONN;
  return 0;
}

int uipc_sockaddr(Socket& so, SockAddr* nam) {
  *nam = unp_name_of(sotounpcb(so));
  return 0;
}

// The reader took data: the writers that wait for its room may go on.
int uipc_rcvd(Socket& so, int) {
  UnpCb* unp = sotounpcb(so);
  if (!unp) return 0;
  if (connection_type(so)) {
    if (unp->unp_conn) sowwakeup(*unp->unp_conn->unp_socket);
  } else {
    for (UnpCb* ref : unp->unp_refs) sowwakeup(*ref->unp_socket);
    wake_waiters(*unp);
  }
  return 0;
}

int send_stream(Socket& so, UnpCb& unp, mbuf* m, const SockAddr* addr, mbuf* control) {
  if (addr && so.so_type == SOCK_STREAM) {  // Linux unix_stream_sendmsg
    free_send(so, m, control);
    return (so.so_state & SS_ISCONNECTED) ? EISCONN : EOPNOTSUPP;
  }
  UnpCb* peer = unp.unp_conn;
  if (!peer) {
    free_send(so, m, control);
    return unp.unp_peer_gone ? EPIPE : ENOTCONN;
  }
  Socket& to = *peer->unp_socket;
  if (to.so_rcv.sb_state & SBS_CANTRCVMORE) {
    free_send(so, m, control);
    return EPIPE;
  }
  if (so.so_type == SOCK_STREAM) {
    const int len = m ? m_length(m) : 0;
    if (len == 0) {  // nothing to carry rights on: Linux sends nothing
      free_send(so, m, control);
      return 0;
    }
    if (control) sbappendrecord_control(to.so_rcv, m, control);  // rights start a record
    else sbappendstream(to.so_rcv, m);
  } else {
    if (m && m_length(m) > long(so.so_snd.sb_hiwat) - 32) {  // as a datagram (Linux)
      free_send(so, m, control);
      return EMSGSIZE;
    }
    if (!m) m = m_gethdr(M_NOWAIT, MType::Data);
    if (!m) {
      sodispose(so, control);
      return ENOBUFS;
    }
    mbuf* last = m;
    while (last->m_next) last = last->m_next;
    last->m_flags |= M_EOR;
    sbappendrecord_control(to.so_rcv, m, control);
  }
  sorwakeup(to);
  return 0;
}

bool is_rights(const mbuf* m) {
  if (m->m_type != MType::Control || size_t(m->m_len) < sizeof(cmsghdr)) return false;
  cmsghdr cm;
  std::memcpy(&cm, m->m_data, sizeof cm);
  return cm.cmsg_level == SOL_SOCKET && cm.cmsg_type == SCM_RIGHTS;
}

// SCM_CREDENTIALS of the sending process, ahead of its other control (Linux
// scm_recv puts the credentials before the rights). Linux records the
// sender's pid/uid/gid with every message and hands them to a receiver
// that has SO_PASSCRED; the daemon knows them from the control connection
// (SO_PEERCRED). Allocation failure: the datagram goes without them.
mbuf* with_creds(const Ucred& cred, mbuf* control) {
  const size_t len = CMSG_SPACE(sizeof(ucred));
  mbuf* m = m_get2(int(len), M_NOWAIT, MType::Control, false);
  if (!m) return control;
  std::memset(m->m_data, 0, len);
  cmsghdr cm{};
  cm.cmsg_len = CMSG_LEN(sizeof(ucred));
  cm.cmsg_level = SOL_SOCKET;
  cm.cmsg_type = SCM_CREDENTIALS;
  const ucred uc{cred.pid, cred.uid, cred.gid};
  std::memcpy(m->m_data, &cm, sizeof cm);
  std::memcpy(m->m_data + CMSG_LEN(0), &uc, sizeof uc);
  m->m_len = int(len);
  m->m_next = control;
  return m;
}

int send_dgram(Socket& so, UnpCb& unp, mbuf* m, const SockAddr* addr, mbuf* control, const Td& td) {
  LocalDomainState& ls = lstate(so);
  int e = 0;
  UnpCb* target = nullptr;
  if (addr) {
    e = unp_validate_addr(*addr);
  } else if (!unp.unp_conn) {
    if (unp.unp_peer_gone) {  // the destination closed: say so once, then forget it
      unp_dgram_disconnect(unp, true);
      e = ECONNREFUSED;
    } else {
      e = ENOTCONN;
    }
  }
  if (!e && (so.so_options & SOF_PASSCRED)) e = unp_autobind(unp);
  // Linux: a datagram must fit the send buffer less 32 bytes.
  if (!e && m && m_length(m) > long(so.so_snd.sb_hiwat) - 32) e = EMSGSIZE;
  if (!e) {
    if (addr) e = unp_lookup(*so.so_stack, *addr, td, so.so_type, &target);
    else target = unp.unp_conn;
  }
  if (!e && !may_send(unp, *target)) e = EPERM;
  Socket* to = target ? target->unp_socket : nullptr;
  if (!e && (to->so_rcv.sb_state & SBS_CANTRCVMORE)) e = EPIPE;
  if (!e && target != &unp && target->unp_conn != &unp && record_count(to->so_rcv) > kUnpMaxDgramQlen)
    e = EAGAIN;
  if (!e) {
    if (!m) m = m_gethdr(M_NOWAIT, MType::Data);
    // Linux shows no address for an unbound sender (recvfrom's addrlen 0).
    if (m && (to->so_options & SOF_PASSCRED)) control = with_creds(td.cred, control);
    if (!m) e = ENOBUFS;
    else if (!sbappendaddr(to->so_rcv, unp.unp_addr, m, control)) e = EAGAIN;
  }
  if (e == EAGAIN) add_waiter(*target, so);
  if (e) {
    if (e == ECONNREFUSED || e == ENOTOURS) ++ls.stats.refused;
    ++ls.stats.dgrams_dropped;
    free_send(so, m, control);
    return e;
  }
  ++ls.stats.dgrams_sent;
  sorwakeup(*to);
  return 0;
}

int uipc_send(Socket& so, int flags, mbuf* m, const SockAddr* addr, mbuf* control, const Td& td) {
  UnpCb* unp = sotounpcb(so);
  if ((flags & PRUS_OOB) || !unp) {
    free_send(so, m, control);
    return EOPNOTSUPP;  // DEVIATION: no MSG_OOB on local streams (Linux has it with AF_UNIX_OOB)
  }
  if (connection_type(so)) return send_stream(so, *unp, m, addr, control);
  return send_dgram(so, *unp, m, addr, control, td);
}

// shutdown(SHUT_WR): the peer of a stream or seqpacket socket reads EOF.
int uipc_shutdown(Socket& so) {
  socantsendmore(so);
  UnpCb* unp = sotounpcb(so);
  if (unp && unp->unp_conn && connection_type(so)) socantrcvmore(*unp->unp_conn->unp_socket);
  return 0;
}

// shutdown(SHUT_RD): the peer of a stream or seqpacket socket can send no
// more (Linux mirrors the shutdown onto the peer: its writes get EPIPE).
void uipc_flush(Socket& so, int) {
  UnpCb* unp = sotounpcb(so);
  if (unp && unp->unp_conn && connection_type(so)) socantsendmore(*unp->unp_conn->unp_socket);
}

void uipc_close(Socket& so) {
  if (UnpCb* unp = sotounpcb(so)) unp_disconnect(*unp);
}

void uipc_dispose(Socket& so, mbuf* control) {
  for (mbuf* m = control; m; m = m->m_next)
    if (is_rights(m)) {  // credentials hold nothing to release
      ++lstate(so).stats.rights_disposed;
      so.so_stack->upcalls().so_dispose_rights(m);
    }
}

// DEVIATION: Linux bounds what a local sender has in flight by the
// sender's SO_SNDBUF (skbs are charged to the writer); here, as in FreeBSD,
// by the receiver's so_rcv (SO_RCVBUF of the peer). Both default to the same
// size, so only programs that tune one of them see a difference.
long uipc_sendspace(const Socket& so) {
  const UnpCb* unp = sotounpcb(so);
  const UnpCb* peer = unp ? unp->unp_conn : nullptr;
  if (!peer) return sbspace(so.so_snd);
  const Socket& to = *peer->unp_socket;
  if (!connection_type(so) && peer != unp && peer->unp_conn != unp &&
      record_count(to.so_rcv) > kUnpMaxDgramQlen)
    return 0;
  return sbspace(to.so_rcv);
}

constexpr PrUsrreqs uipc_usrreqs = {
    .pru_abort = uipc_abort,
    .pru_accept = uipc_accept,
    .pru_attach = uipc_attach,
    .pru_bind = uipc_bind,
    .pru_connect = uipc_connect,
    .pru_connect2 = uipc_connect2,
    .pru_detach = uipc_detach,
    .pru_disconnect = uipc_disconnect,
    .pru_listen = uipc_listen,
    .pru_peeraddr = uipc_peeraddr,
    .pru_rcvd = uipc_rcvd,
    .pru_send = uipc_send,
    .pru_shutdown = uipc_shutdown,
    .pru_sockaddr = uipc_sockaddr,
    .pru_close = uipc_close,
    .pru_dispose = uipc_dispose,
    .pru_sendspace = uipc_sendspace,
    .pru_flush = uipc_flush,
    .pru_rcvoob = pru_rcvoob_notsupp,  // DEVIATION: no MSG_OOB on local streams (see uipc_send)
    .pru_oobmark = pru_oobmark_none,
    .pru_presend = nullptr,
};

// Linux AF_UNIX: shutdown() of an unconnected socket succeeds; send()
// without an address on an unconnected datagram socket is ENOTCONN.
constexpr uint32_t kLocalFlags = PR_RIGHTS | PR_WANTRCVD | PR_SHUTUNCONN;

const Protosw localsw[] = {
    {.pr_type = SOCK_STREAM, .pr_domain = &localdomain, .pr_protocol = 0,
     .pr_flags = kLocalFlags | PR_CONNREQUIRED, .pr_ctloutput = nullptr, .pr_usrreqs = uipc_usrreqs},
    {.pr_type = SOCK_DGRAM, .pr_domain = &localdomain, .pr_protocol = 0,
     .pr_flags = kLocalFlags | PR_ATOMIC | PR_ADDR | PR_NOADDR_ENOTCONN, .pr_ctloutput = nullptr,
     .pr_usrreqs = uipc_usrreqs},
    {.pr_type = SOCK_SEQPACKET, .pr_domain = &localdomain, .pr_protocol = 0,
     .pr_flags = kLocalFlags | PR_CONNREQUIRED | PR_ATOMIC, .pr_ctloutput = nullptr,
     .pr_usrreqs = uipc_usrreqs},
};

}  // namespace

const Domain localdomain = {
    .dom_family = AF_UNIX,
    .dom_name = "local",
    .dom_protosw = localsw,
    .dom_protoalias = PF_UNIX,
    .dom_flags = DOM_PROTOFIRST,
    .dom_rawtype = SOCK_DGRAM,
};

LocalDomainState& local_state(Stack& st) {
  if (auto* ls = static_cast<LocalDomainState*>(st.domain_state(AF_UNIX))) return *ls;
  auto state = std::make_shared<LocalDomainState>();
  LocalDomainState* ls = state.get();
  st.set_domain_state(AF_UNIX, std::move(state));
  return *ls;
}

void local_attach(Stack& st) {
  local_state(st);
  st.add_domain(&localdomain);
}

const LocalStats& local_stats(Stack& st) { return local_state(st).stats; }

Socket* uipc_peer(const Socket& so) {
  if (!so.so_proto || so.so_proto->pr_domain != &localdomain) return nullptr;
  const UnpCb* unp = sotounpcb(so);
  return unp && unp->unp_conn ? unp->unp_conn->unp_socket : nullptr;
}

}  // namespace tunsock
