// Default user requests, so that no hook of a protocol's table is null:
// requests answer EOPNOTSUPP, notifications do nothing.
// FreeBSD: sys/kern/uipc_domain.c (pr_usrreqs_init and the pru_*_notsupp).
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "kern/protosw.hpp"
#include "kern/socket.hpp"

namespace tunsock {
namespace {

void pru_abort_notsupp(Socket&) {}
int pru_accept_notsupp(Socket&, SockAddr*) { return EOPNOTSUPP; }
int pru_attach_notsupp(Socket&, int, const Td&) { return EOPNOTSUPP; }
int pru_bind_notsupp(Socket&, const SockAddr&, const Td&) { return EOPNOTSUPP; }
int pru_connect_notsupp(Socket&, const SockAddr&, const Td&) { return EOPNOTSUPP; }
int pru_connect2_notsupp(Socket&, Socket&) { return EOPNOTSUPP; }
void pru_detach_notsupp(Socket&) {}
int pru_disconnect_notsupp(Socket&) { return EOPNOTSUPP; }
int pru_listen_notsupp(Socket&, int, const Td&) { return EOPNOTSUPP; }
int pru_peeraddr_notsupp(Socket&, SockAddr*) { return EOPNOTSUPP; }
int pru_rcvd_notsupp(Socket&, int) { return 0; }
int pru_send_notsupp(Socket&, int, mbuf* m, const SockAddr*, mbuf* control, const Td&) {
  // Chains handed to pru_send are consumed whatever the result.
  m_freem(m);
  m_freem(control);
  return EOPNOTSUPP;
}
int pru_shutdown_notsupp(Socket&) { return EOPNOTSUPP; }
int pru_sockaddr_notsupp(Socket&, SockAddr*) { return EOPNOTSUPP; }
void pru_close_notsupp(Socket&) {}
void pru_dispose_notsupp(Socket&, mbuf*) {}
// A stream send buffer the program sized (SO_SNDBUF) holds what it asked
// for, half of sb_hiwat, as Linux's: it doubles the value and charges skb
// truesize, about twice the payload (a nonblocking sender fills SO_SNDBUF 32768
// with about 33 KB). A default-sized buffer keeps its whole hiwat.
long pru_sendspace_default(const Socket& so) {
  const Sockbuf& sb = so.so_snd;
  if (so.so_type != SOCK_STREAM || !(sb.sb_flags & SB_USERSET)) return sbspace(sb);
  return std::max(0L, std::min(sbspace(sb), long(sb.sb_hiwat / 2) - long(sb.sb_cc)));
}
void pru_flush_notsupp(Socket&, int) {}

}  // namespace

int pru_rcvoob_notsupp(Socket&, RecvArgs&, int) { return EOPNOTSUPP; }
long pru_oobmark_none(const Socket&) { return -1; }

const PrUsrreqs pru_defaults = {
    .pru_abort = pru_abort_notsupp,
    .pru_accept = pru_accept_notsupp,
    .pru_attach = pru_attach_notsupp,
    .pru_bind = pru_bind_notsupp,
    .pru_connect = pru_connect_notsupp,
    .pru_connect2 = pru_connect2_notsupp,
    .pru_detach = pru_detach_notsupp,
    .pru_disconnect = pru_disconnect_notsupp,
    .pru_listen = pru_listen_notsupp,
    .pru_peeraddr = pru_peeraddr_notsupp,
    .pru_rcvd = pru_rcvd_notsupp,
    .pru_send = pru_send_notsupp,
    .pru_shutdown = pru_shutdown_notsupp,
    .pru_sockaddr = pru_sockaddr_notsupp,
    .pru_close = pru_close_notsupp,
    .pru_dispose = pru_dispose_notsupp,
    .pru_sendspace = pru_sendspace_default,
    .pru_flush = pru_flush_notsupp,
    .pru_rcvoob = pru_rcvoob_notsupp,
    .pru_oobmark = pru_oobmark_none,
    .pru_presend = nullptr,
};

PrUsrreqs pru_with_defaults(PrUsrreqs u) {
  const PrUsrreqs& d = pru_defaults;
#define TUNSOCK_PRU_DEFAULT(f) \
  if (!u.f) u.f = d.f
  TUNSOCK_PRU_DEFAULT(pru_abort);
  TUNSOCK_PRU_DEFAULT(pru_accept);
  TUNSOCK_PRU_DEFAULT(pru_attach);
  TUNSOCK_PRU_DEFAULT(pru_bind);
  TUNSOCK_PRU_DEFAULT(pru_connect);
  TUNSOCK_PRU_DEFAULT(pru_connect2);
  TUNSOCK_PRU_DEFAULT(pru_detach);
  TUNSOCK_PRU_DEFAULT(pru_disconnect);
  TUNSOCK_PRU_DEFAULT(pru_listen);
  TUNSOCK_PRU_DEFAULT(pru_peeraddr);
  TUNSOCK_PRU_DEFAULT(pru_rcvd);
  TUNSOCK_PRU_DEFAULT(pru_send);
  TUNSOCK_PRU_DEFAULT(pru_shutdown);
  TUNSOCK_PRU_DEFAULT(pru_sockaddr);
  TUNSOCK_PRU_DEFAULT(pru_close);
  TUNSOCK_PRU_DEFAULT(pru_dispose);
  TUNSOCK_PRU_DEFAULT(pru_sendspace);
  TUNSOCK_PRU_DEFAULT(pru_flush);
  TUNSOCK_PRU_DEFAULT(pru_rcvoob);
  TUNSOCK_PRU_DEFAULT(pru_oobmark);
#undef TUNSOCK_PRU_DEFAULT
  return u;
}

}  // namespace tunsock
