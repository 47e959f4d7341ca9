/* ICMPv6 errors to ping and raw ICMPv6 sockets with IPV6_RECVERR: a router
 * (the peer, udp_peer's "echoerr") says destination unreachable (admin
 * prohibited: EACCES), time exceeded and Packet Too Big about an echo
 * request of ours; each is queued for MSG_ERRQUEUE as for UDP
 * (sock_extended_err, origin ICMP6, the offender), named by the quoted
 * destination with port 0, the quoted echo as data; so_error says the
 * first; a ping socket with another identifier and one without
 * IPV6_RECVERR hear nothing; a raw ICMPv6 socket with IPV6_RECVERR hears
 * of every echo error (Linux raw6_icmp_error), one without does not. */
#include "udp6_compat.h"
#include <netinet/icmp6.h>
int main(void) {
  int s = (int)CKOK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  if (s < 0) return 0;
  struct sockaddr_in6 b = sin6_of(ANY6, 20790);
  SHOW(bind(s, SA(b), sizeof b));
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVERR, 1));
  int other = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  struct sockaddr_in6 b2 = sin6_of(ANY6, 20791);
  SHOW(bind(other, SA(b2), sizeof b2));
  SHOW(set_int(other, SOL_IPV6, IPV6_RECVERR, 1));
  int r = (int)CKOK(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
  if (r < 0) return 0;
  SHOW(set_int(r, SOL_IPV6, IPV6_RECVERR, 1));
  int plain = (int)MUST(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
  struct icmp6_filter f;
  ICMP6_FILTER_SETBLOCKALL(&f); /* errors only through the error queue */
  SHOW(setsockopt(r, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f));
  SHOW(setsockopt(plain, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f));

  SAY("peer: %s", peer_cmd("echoerr %s 1 1 0 20790 1", US6));
  await(s, POLLERR | POLLIN); /* POLLIN: see udp6_ptb.c */
  msleep(200);
  SAY("peer: %s", peer_cmd("echoerr %s 3 0 0 20790 2", US6));
  SAY("peer: %s", peer_cmd("echoerr %s 2 0 1300 20790 3", US6));
  msleep(300);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  show_recvmsg6("ping errqueue 1", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg6("ping errqueue 2", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg6("ping errqueue 3", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg6("ping errqueue 4", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg6("other ping errqueue", other, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SHOW_OPT(other, SOL_SOCKET, SO_ERROR);
  SHOW_OPT(r, SOL_SOCKET, SO_ERROR);
  show_recvmsg6("raw errqueue 1", r, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg6("raw errqueue 2", r, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg6("raw errqueue 3", r, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg6("raw errqueue 4", r, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SHOW_OPT(plain, SOL_SOCKET, SO_ERROR);
  show_recvmsg6("plain raw errqueue", plain, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  /* Turning IPV6_RECVERR off purges what is queued. */
  SAY("peer: %s", peer_cmd("echoerr %s 1 1 0 20790 4", US6));
  await(s, POLLERR | POLLIN); /* POLLIN: see udp6_ptb.c */
  msleep(200);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVERR, 0));
  show_recvmsg6("ping errqueue after off", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  return 0;
}
