/* DEVIATION: after connect(AF_UNSPEC) drops a connection, Linux's
 * tcp_disconnect leaves sk_err ECONNRESET, so the socket polls
 * OUT|ERR|HUP; under tunsock it polls OUT|HUP. SO_ERROR does read
 * ECONNRESET (the stack keeps it until the next connect, as Linux), and the
 * socket connects again. The program's fd is renewed then as an unconnected
 * AF_UNIX socket, and AF_UNIX has POLLERR only from sk_err, which it sets
 * only on an end whose peer is released with data unread; such an end is
 * connected (it polls IN, reads 0) and cannot connect again, so the daemon
 * has no way to make a fresh end poll ERR (the same limit as
 * deviations/tcp6_icmp_established.c). The listener part (TCP_INFO CLOSE,
 * accept EINVAL, listen again on the same port) agrees with Linux. */
/* connect(AF_UNSPEC) on IPv6 TCP sockets: on a connected socket it drops
 * the connection (the peer sees a reset) and the socket can connect
 * again; on a listener it stops listening; on a fresh socket it is 0; a
 * short AF_UNSPEC name. */
#include "../tcp6/tcp6_compat.h"
int main(void) {
  struct sockaddr_in6 un;
  memset(&un, 0, sizeof un);
  un.sin6_family = AF_UNSPEC;
  int f = tcp6_socket();
  SHOW(connect(f, SA(un), sizeof un));
  int s = connect_peer6(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  SHOW(connect(s, SA(un), sizeof un));
  show_peer6("s after AF_UNSPEC", s);
  show_tcp_state("s after AF_UNSPEC", s);
  PEER_SHOW("wait 11 err");
  show_poll_now("s", s);
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  show_peer6("s reconnected", s);
  SHOW(send(s, "again", 5, 0));
  await_recv("s", s, 10, 0);
  int l = tcp6_listener(US6, 20480, 4, -1);
  SHOW(connect(l, SA(un), sizeof un));
  show_tcp_state("listener after AF_UNSPEC", l);
  set_nonblock(l, 1); /* the kernel says EINVAL at once; a stack still listening must not hang the case */
  SHOW(accept(l, NULL, NULL));
  set_nonblock(l, 0);
  SHOW(listen(l, 4));
  show_name6("listener again", l);
  SHOW(connect(f, SA(un), 1));
  return 0;
}
