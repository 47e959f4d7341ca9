/* DEVIATION: after shutdown(SHUT_RD) Linux UDP still queues and delivers
 * datagrams that arrive (recv answers 0 only while the queue is empty);
 * under tunsock the shim shuts the program's end of its AF_UNIX channel for
 * reading, as the kernel poll and recv answers (RDHUP, 0) require, and
 * AF_UNIX then refuses what the daemon sends into it: the later datagrams
 * are lost and recv keeps answering 0. */
/* shutdown on a connected UDP socket: after SHUT_RD recv returns 0 at once
 * when nothing is queued, but Linux still queues and delivers datagrams;
 * SHUT_WR: sending is EPIPE; poll bits after each. (Unconnected:
 * udp_shutdown_unconnected.) */
#include "../udp/udp_compat.h"
int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int c = udp_bound(LOOP, 20241), o = udp_bound(LOOP, 20242);
  struct sockaddr_in oa = sin_of(LOOP, 20242), ca = sin_of(LOOP, 20241);
  SHOW(connect(c, SA(oa), sizeof oa));
  SHOW(connect(o, SA(ca), sizeof ca));
  show_poll("c connected", c);
  SHOW(shutdown(c, SHUT_RD));
  show_poll("c after SHUT_RD", c);
  SHOW(recv(c, (char[8]){0}, 8, 0));
  SHOW(send(o, "after shut rd", 13, 0));
  sleep_ms(100);
  show_poll("c", c);
  show_recvfrom("c", c, MSG_DONTWAIT);
  show_recvfrom("c", c, MSG_DONTWAIT);
  SHOW(send(c, "c still sends", 13, 0));
  await(o, POLLIN);
  show_recvfrom("o", o, 0);
  SHOW(shutdown(o, SHUT_WR));
  show_poll("o after SHUT_WR", o);
  SHOW(send(o, "x", 1, 0));
  SENDTO(o, "y", LOOP, 20241);
  SHOW(shutdown(o, SHUT_RDWR));
  show_poll("o after SHUT_RDWR", o);
  SHOW(send(c, "to o", 4, 0));
  sleep_ms(100);
  show_recvfrom("o", o, MSG_DONTWAIT);
  return 0;
}
