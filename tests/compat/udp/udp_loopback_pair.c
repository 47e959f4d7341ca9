/* Two sockets on 127.0.0.1 (and on our own address) talk; the unbound
 * sender binds implicitly to the wildcard and an ephemeral port. */
#include "udp_compat.h"
int main(void) {
  int a = udp_bound(LOOP, 20100);
  int b = udp_socket();
  SENDTO(b, "hello a", LOOP, 20100);
  show_name("b", b);
  await(a, POLLIN);
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  char buf[64];
  ssize_t n = recvfrom(a, buf, sizeof buf, 0, SA(from), &fl);
  SAY("a got %s from %s (b's port: %s)", data_str(buf, n), in_str(&from, fl),
      ntohs(from.sin_port) == port_of(b) ? "yes" : "no");
  SHOW(sendto(a, "hello b", 7, 0, SA(from), fl));
  await(b, POLLIN);
  show_recvfrom("b", b, 0);
  int c = udp_bound(US, 20101), d = udp_bound(US, 20102);
  SENDTO(c, "c to d", US, 20102);
  await(d, POLLIN);
  show_recvfrom("d", d, 0);
  struct sockaddr_in ca = sin_of(US, 20101);
  SHOW(connect(d, SA(ca), sizeof ca));
  SHOW(send(d, "d to c", 6, 0));
  await(c, POLLIN);
  show_recvfrom("c", c, 0);
  /* 127.0.0.2 is loopback too. */
  int e = udp_bound("127.0.0.2", 20103);
  SENDTO(b, "to 127.0.0.2", "127.0.0.2", 20103);
  await(e, POLLIN);
  show_recvfrom("e", e, 0);
  return 0;
}
