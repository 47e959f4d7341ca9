/* sendto with an address on a connected socket goes there (Linux allows
 * it) and leaves the association alone; the source port is the same. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(echo), sizeof echo));
  SENDTO(s, "to discard", PEER, DISCARD_PORT);
  show_peer_last("discard");
  int l = udp_bound(LOOP, 20070);
  SENDTO(s, "to lo", LOOP, 20070);
  await(l, POLLIN);
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  char buf[64];
  ssize_t n = recvfrom(l, buf, sizeof buf, 0, SA(from), &fl);
  SAY("l got %s from %s, same port as s: %s", data_str(buf, n), in_str(&from, fl),
      ntohs(from.sin_port) == port_of(s) ? "yes" : "no");
  show_peer("s", s);
  SHOW(send(s, "echo", 4, 0));
  await(s, POLLIN);
  show_recvfrom("s", s, 0);
  SHOW(sendto(s, "null addr", 9, 0, NULL, 0));
  await(s, POLLIN);
  show_recvfrom("s", s, 0);
  return 0;
}
