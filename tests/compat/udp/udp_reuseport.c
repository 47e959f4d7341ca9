/* SO_REUSEPORT: sockets that all set it share a port; one without it is
 * refused (and cannot join later); one flow always reaches the same member. */
#include "udp_compat.h"
static int sock_reuseport(int on) {
  int s = udp_socket();
  if (on) MUST(set_int(s, SOL_SOCKET, SO_REUSEPORT, 1));
  return s;
}
static int count(int fd) {
  char buf[64];
  int n = 0;
  while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) >= 0) n++;
  return n;
}
int main(void) {
  int a = sock_reuseport(1), b = sock_reuseport(1), c = sock_reuseport(0);
  SHOW_OPT(a, SOL_SOCKET, SO_REUSEPORT);
  SHOW_OPT(c, SOL_SOCKET, SO_REUSEPORT);
  struct sockaddr_in p = sin_of(US, 20030);
  SHOW(bind(a, SA(p), sizeof p));
  SHOW(bind(b, SA(p), sizeof p));
  SHOW(bind(c, SA(p), sizeof p));
  int d = sock_reuseport(1);
  SHOW(bind(d, SA(p), sizeof p));
  int s = udp_bound(US, 20031);
  for (int i = 0; i < 10; i++) send_str(s, "flow", US, 20030);
  sleep_ms(200);
  int na = count(a), nb = count(b), nd = count(d);
  SAY("datagrams: total %d, all in one socket: %s", na + nb + nd,
      (na == 10 || nb == 10 || nd == 10) ? "yes" : "no");
  /* The peer's datagrams: one flow too. */
  for (int i = 0; i < 5; i++) peer_send(US, 20030, 20032, "from peer");
  sleep_ms(200);
  na = count(a), nb = count(b), nd = count(d);
  SAY("peer datagrams: total %d, all in one socket: %s", na + nb + nd,
      (na == 5 || nb == 5 || nd == 5) ? "yes" : "no");
  return 0;
}
