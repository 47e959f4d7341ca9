/* DEVIATION: an inet datagram socket's pending error (so_error, or an
 * IP_RECVERR error queue entry) polls POLLIN under tunsock where Linux polls
 * POLLERR; the error itself (recv, SO_ERROR, MSG_ERRQUEUE) is Linux's. The
 * socket's fd is its end of an AF_UNIX SOCK_SEQPACKET channel, and AF_UNIX
 * sets POLLERR (sk_err) on an end only as its peer is released with data
 * unread (or as an unaccepted embryo): the daemon could raise it only by
 * destroying the channel, which the socket outlives (the error is consumed
 * and the socket goes on). The daemon posts an error record instead, which
 * makes the end readable (stack/ipc/PROTOCOL.md "Datagram records"); a
 * stale record (the error taken by send or getsockopt) leaves POLLIN until
 * a read passes it. The waits here ask for POLLERR|POLLIN so that both runs
 * reach the same points (Linux polls POLLERR at once in each). */
/* IP_RECVERR on an unconnected socket: the port unreachable for its
 * datagram is queued (POLLERR), read with MSG_ERRQUEUE: the datagram's
 * bytes, its destination as the name, a sock_extended_err (ICMP 3/3,
 * ECONNREFUSED) and the offender; SO_ERROR is set too; an empty queue is
 * EAGAIN; turning IP_RECVERR off empties it. */
#include "../udp/udp_compat.h"
int main(void) {
  int s = udp_socket();
  SHOW_OPT(s, SOL_IP, IP_RECVERR);
  SHOW(set_int(s, SOL_IP, IP_RECVERR, 1));
  SHOW_OPT(s, SOL_IP, IP_RECVERR);
  show_recvmsg("s errqueue empty", s, MSG_ERRQUEUE, 512);
  SENDTO(s, "lost datagram", PEER, CLOSED_PORT);
  await(s, POLLERR | POLLIN);
  show_poll("s", s);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE, 512);
  show_poll("s", s);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SENDTO(s, "second", PEER, CLOSED_PORT);
  await(s, POLLERR | POLLIN);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  show_poll("s", s);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE, 512);
  SENDTO(s, "third", PEER, CLOSED_PORT);
  await(s, POLLERR | POLLIN);
  show_recvmsg("s plain recv", s, MSG_DONTWAIT, 512);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE, 512);
  SENDTO(s, "fourth", PEER, CLOSED_PORT);
  await(s, POLLERR | POLLIN);
  SHOW(set_int(s, SOL_IP, IP_RECVERR, 0));
  show_recvmsg("s errqueue after off", s, MSG_ERRQUEUE, 512);
  return 0;
}
