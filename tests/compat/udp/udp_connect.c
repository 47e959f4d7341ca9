/* connect: getpeername before (ENOTCONN) and after; the implicit bind picks
 * the source address toward the peer; echo through the connected socket;
 * connecting again elsewhere keeps the source address and port; connect to
 * 0.0.0.0 means the local host; a socket bound to 127.0.0.1 cannot reach
 * the link (EINVAL) but can our own address. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  show_peer("s", s);
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(echo), sizeof echo));
  show_name("s", s);
  show_peer("s", s);
  SHOW(send(s, "ping", 4, 0));
  await(s, POLLIN);
  show_recvfrom("s", s, 0);
  int l = udp_bound(LOOP, 20040);
  struct sockaddr_in lo = sin_of(LOOP, 20040);
  int port = port_of(s);
  SHOW(connect(s, SA(lo), sizeof lo));
  show_name("s after reconnect", s);
  SAY("same port after reconnect: %s", port_of(s) == port ? "yes" : "no");
  show_peer("s after reconnect", s);
  SHOW(send(s, "to lo", 5, 0));
  await(l, POLLIN);
  show_recvfrom("l", l, 0);
  int z = udp_socket();
  struct sockaddr_in any = sin_of("0.0.0.0", 20040);
  SHOW(connect(z, SA(any), sizeof any));
  show_name("z", z);
  show_peer("z", z);
  SHOW(send(z, "to any", 6, 0));
  await(l, POLLIN);
  show_recvfrom("l", l, 0);
  int y = udp_bound(US, 20043);
  SHOW(connect(y, SA(any), sizeof any));
  show_peer("y bound to 198.18.0.2, connected to 0.0.0.0", y);
  int b = udp_bound(LOOP, 20041);
  SHOW(connect(b, SA(echo), sizeof echo));
  show_name("b bound to 127.0.0.1, connected to the peer", b);
  SENDTO(b, "from 127.0.0.1", PEER, DISCARD_PORT);
  SENDTO(b, "from 127.0.0.1", US, 20042);
  return 0;
}
