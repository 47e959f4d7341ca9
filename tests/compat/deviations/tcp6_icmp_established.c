/* DEVIATION: an ICMPv6 error reported at once on an established connection
 * (IPV6_RECVERR: Linux tcp_v6_err sets sk_err) does not poll POLLERR under
 * tunsock: poll and epoll see nothing (the wait below times out) and a
 * blocked recv is not woken. The error itself is Linux's: the next recv
 * that finds no data, the next send (without SIGPIPE) or SO_ERROR gives it
 * once, and the connection goes on. The socket's fd is its end of an
 * AF_UNIX SOCK_STREAM channel, whose poll has POLLERR only from sk_err,
 * which AF_UNIX sets on an end only as its peer is released with data
 * unread, together with both shutdowns (POLLHUP, reads 0, writes EPIPE):
 * the daemon could raise it only by destroying the channel, which this
 * connection outlives (and a new fd dup3()d under the program would leave
 * its epoll sets). A stream has no records, so the datagram sockets' error
 * record (POLLIN for POLLERR, deviations/udp_errqueue.c) has no
 * counterpart either. The shim asks the daemon for the pending error when
 * a receive would block and before each send, on a socket with
 * IP_RECVERR/IPV6_RECVERR set (PROTOCOL.md "Errors on a connection"). */
/* ICMPv6 errors on established TCP connections (RFC 4443 via tcp6's
 * ctlinput, as Linux tcp_v6_err): the peer starts answering our segments
 * with administratively prohibited: without IPV6_RECVERR the error is soft
 * (no POLLERR, the connection stays ESTABLISHED, SO_ERROR shows it once);
 * with IPV6_RECVERR it is reported at once (POLLERR, recv EACCES), and the
 * connection still stands. (The rejects go on with each retransmission, so
 * the case reads the error once per mode.) */
#include "../tcp6/tcp6_compat.h"
static void run(const char *label, int recverr) {
  int s = tcp6_socket();
  if (recverr && set_int(s, SOL_IPV6, IPV6_RECVERR, 1) < 0) SAY("IPV6_RECVERR: %s", errname(errno));
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  MUST(connect(s, SA(e), sizeof e));
  SAY("-- %s", label);
  SHOW(send(s, "before", 6, 0));
  await_recv("echo", s, 100, 0);
  PEER_SHOW("reject6 7");
  SHOW(send(s, "rejected", 8, 0));
  /* Only POLLERR/POLLHUP can end this wait: it times out (0) when the
   * error is soft. */
  poll_show(label, s, 0, recverr ? 3000 : 700);
  show_tcp_state(label, s);
  if (recverr) show_recv(label, s, 100, MSG_DONTWAIT);
  else {
    show_so_error(label, s);
    show_so_error(label, s);
  }
  show_tcp_state(label, s);
  struct linger lg = {1, 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(s);
}
int main(void) {
  run("soft", 0);
  run("IPV6_RECVERR", 1);
  return 0;
}
