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
/* A connected socket sends to a closed port of the peer: the ICMP port
 * unreachable that comes back is ECONNREFUSED, seen once (poll POLLERR,
 * then recv; SO_ERROR; or the next send) and then gone. */
#include "../udp/udp_compat.h"
int main(void) {
  int s = udp_socket();
  struct sockaddr_in closed = sin_of(PEER, CLOSED_PORT);
  SHOW(connect(s, SA(closed), sizeof closed));
  SHOW(send(s, "one", 3, 0));
  await(s, POLLERR | POLLIN);
  show_poll("s", s);
  show_recvfrom("s", s, 0);
  show_recvfrom("s", s, MSG_DONTWAIT);
  show_poll("s", s);
  SHOW(send(s, "two", 3, 0));
  await(s, POLLERR | POLLIN);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  SHOW(send(s, "three", 5, 0));
  await(s, POLLERR | POLLIN);
  SHOW(send(s, "four", 4, 0));
  SHOW(send(s, "five", 4, 0));
  await(s, POLLERR | POLLIN);
  set_nonblock(s, 1);
  SHOW(recv(s, (char[8]){0}, 8, 0));
  SHOW(recv(s, (char[8]){0}, 8, 0));
  return 0;
}
