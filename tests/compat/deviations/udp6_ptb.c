/* DEVIATION: as deviations/udp_errqueue.c says for IPv4, a pending error of
 * an inet6 datagram socket (an IPV6_RECVERR queue entry) polls POLLIN under
 * tunsock where Linux polls POLLERR (the socket's fd is its end of an
 * AF_UNIX channel; the daemon posts an error record); the errors and the
 * path MTU (a Packet Too Big below 1280 discarded, RFC 8201 §4) are
 * Linux's. udp6_ptb.diff holds exactly that. */
/* Path MTU from ICMPv6 Packet Too Big (RFC 8201) on a connected UDP
 * socket with IPV6_RECVERR and IPV6_DONTFRAG: the peer says 1300 for our
 * 1400-byte datagram: the error queue holds EMSGSIZE (origin ICMP6, type 2,
 * info 1300) and IPV6_MTU reads 1300; 1400 bytes are EMSGSIZE now, 1252
 * fit; without DONTFRAG 1400 bytes go out fragmented (the peer gets them
 * whole); each local refusal queues its own EMSGSIZE (origin LOCAL, info
 * the MTU); a Packet Too Big below 1280 (RFC 8200 §5) leaves the MTU as
 * Linux leaves it, and what it queues is shown.
 * (Waits ask for POLLERR|POLLIN, as deviations/udp_errqueue.c explains: a
 * pending datagram error polls POLLIN under tunsock; what poll says is
 * printed where it matters.) */
#include "../udp6/udp6_compat.h"
static char big[2000];
int main(void) {
  memset(big, 'b', sizeof big);
  int s = udp6_bound(US6, 20510);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVERR, 1));
  SHOW(set_int(s, SOL_IPV6, IPV6_DONTFRAG, 1));
  struct sockaddr_in6 d = sin6_of(PEER6, DISCARD_PORT);
  SHOW(connect(s, SA(d), sizeof d));
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU);
  SHOW(send(s, big, 1400, 0));
  show_peer_last6("1400 before");
  SAY("peer: %s", peer_cmd("ptb %s %d %d %d", US6, 20510, DISCARD_PORT, 1300));
  await(s, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  show_poll("after the Packet Too Big", s);
  show_recvmsg6("errqueue", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU);
  SHOW(send(s, big, 1400, 0));
  show_recvmsg6("errqueue after the local refusal", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SHOW(send(s, big, 1252, 0));
  show_peer_last6("1252");
  SHOW(send(s, big, 1253, 0));
  show_recvmsg6("errqueue after 1253", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SHOW(set_int(s, SOL_IPV6, IPV6_DONTFRAG, 0));
  SHOW(send(s, big, 1400, 0));
  show_peer_last6("1400 fragmented");
  int u = udp6_socket();
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(u, SA(e), sizeof e));
  SHOW_OPT(u, SOL_IPV6, IPV6_MTU);
  SAY("peer: %s", peer_cmd("ptb %s %d %d %d", US6, 20510, DISCARD_PORT, 1000));
  await(s, POLLERR | POLLIN);
  msleep(300); /* a stale error record polls POLLIN at once under tunsock */
  show_poll("after the Packet Too Big 1000", s);
  show_recvmsg6("errqueue 1000", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SHOW_OPT(s, SOL_IPV6, IPV6_MTU);
  return 0;
}
