/* DEVIATION: an IP_RECVERR entry queued by a local error (EMSGSIZE) polls
 * POLLERR on Linux and nothing extra under tunsock: the error queue lives in
 * the daemon, and the socket's fd, its end of an AF_UNIX SOCK_SEQPACKET
 * channel, can poll POLLERR only if the daemon destroyed the channel (see
 * udp_errqueue.c); a local error is reported by the call itself, so no
 * error record is posted for it. MSG_ERRQUEUE returns Linux's entry. */
/* IP_RECVERR with IP_PMTUDISC_DO: a datagram over the MTU is EMSGSIZE and a
 * local error (origin LOCAL, info = the MTU) is queued; a connected socket
 * gets the port unreachable queued and reported by recv as well. */
#include "../udp/udp_compat.h"
static char buf[3000];
int main(void) {
  memset(buf, 'q', sizeof buf);
  int s = udp_socket();
  MUST(set_int(s, SOL_IP, IP_RECVERR, 1));
  MUST(set_int(s, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO));
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  CKL("sendto 2000 DO", sendto(s, buf, 2000, 0, SA(echo), sizeof echo));
  show_poll("s", s);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  int c = udp_socket();
  MUST(set_int(c, SOL_IP, IP_RECVERR, 1));
  struct sockaddr_in closed = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(c, SA(closed), sizeof closed));
  SHOW(send(c, "refused", 7, 0));
  await(c, POLLERR);
  show_recvmsg("c", c, MSG_DONTWAIT, 512);
  show_recvmsg("c errqueue", c, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  show_recvmsg("c", c, MSG_DONTWAIT, 512);
  return 0;
}
