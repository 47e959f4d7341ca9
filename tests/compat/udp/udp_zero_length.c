/* Zero-length datagrams are datagrams: sent, polled readable, received as
 * 0 bytes with their source, FIONREAD 0, echoed by the peer. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20140), s = udp_bound(LOOP, 20141);
  struct sockaddr_in to = sin_of(LOOP, 20140);
  SHOW(sendto(s, "", 0, 0, SA(to), sizeof to));
  SHOW(sendto(s, NULL, 0, 0, SA(to), sizeof to));
  await(r, POLLIN);
  show_poll("r", r);
  int n = -1;
  SHOW(ioctl(r, FIONREAD, &n));
  SAY("FIONREAD %d", n);
  show_recvfrom("r", r, 0);
  char c;
  SHOW(recv(r, &c, 1, MSG_TRUNC));
  show_recvfrom("r", r, MSG_DONTWAIT);
  int e = udp_socket();
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(e, SA(echo), sizeof echo));
  SHOW(send(e, "", 0, 0));
  await(e, POLLIN);
  show_recvmsg("e", e, 0, 0);
  return 0;
}
