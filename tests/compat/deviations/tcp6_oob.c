/* DEVIATION: an urgent byte read with MSG_OOB, then SO_OOBINLINE set:
 * Linux's TCP keeps the byte in its receive queue and skips it only while
 * SO_OOBINLINE is off (tcp_recvmsg, TCP_URG_READ), so it comes again in
 * band ("!xy"); the stack does the same (tests/netinet urgent data tests),
 * but the program reads the channel, where the daemon wrote the urgent
 * byte as AF_UNIX's out-of-band byte: recv(MSG_OOB) took it from the
 * channel for good, and the bytes after it are already in the channel's
 * queue in front of anything the daemon could write now, so "xy" comes
 * without it. Every other line (SIOCATMARK, MSG_OOB reads, SO_OOBINLINE
 * before the byte arrives) agrees with Linux. */
/* Urgent data over IPv6 TCP: send(MSG_OOB) to the peer and from the peer
 * (urg command): SIOCATMARK, recv(MSG_OOB) the urgent byte, POLLPRI, then
 * the rest in band; SO_OOBINLINE. */
#include "../tcp6/tcp6_compat.h"
int main(void) {
  int s = connect_peer6(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  PEER_SHOW("urg 11 abc!");
  show_poll_when("urgent", s, POLLPRI);
  int mark = -1;
  SHOW(ioctl(s, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
  show_recv("oob", s, 10, MSG_OOB);
  show_recv("in band", s, 10, 0);
  SHOW(ioctl(s, SIOCATMARK, &mark));
  SAY("at mark %d", mark);
  show_recv("oob again", s, 10, MSG_OOB);
  SHOW(set_int(s, SOL_SOCKET, SO_OOBINLINE, 1));
  PEER_SHOW("urg 11 xy#");
  await_ms(s, POLLPRI, 3000);
  await_recv("inline", s, 10, 0);
  show_recv("inline rest", s, 10, MSG_DONTWAIT);
  show_recv("oob inline", s, 10, MSG_OOB);
  SHOW(send(s, "q", 1, MSG_OOB));
  return 0;
}
