/* SO_REUSEPORT: sockets that all set it share a port; one without it is
 * refused (and cannot join later); one flow always reaches the same member. */
#include "udp_compat.h"
static int sock_reuseport(int on) {
  int s = udp_socket();
  if (on) MUST(set_int(s, SOL_SOCKET, SO_REUSEPORT, 1));
  return s;
}
/* Counts what reaches a, b and d until want have come (or 3 s pass). */
static void count3(int a, int b, int d, int want, int *na, int *nb, int *nd) {
  char buf[64];
  *na = *nb = *nd = 0;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (*na + *nb + *nd < want) {
    struct pollfd p[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {d, POLLIN, 0}};
    poll(p, 3, 100);
    while (recv(a, buf, sizeof buf, MSG_DONTWAIT) >= 0) ++*na;
    while (recv(b, buf, sizeof buf, MSG_DONTWAIT) >= 0) ++*nb;
    while (recv(d, buf, sizeof buf, MSG_DONTWAIT) >= 0) ++*nd;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (t.tv_sec - t0.tv_sec >= 3) break;
  }
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
  int na, nb, nd;
  count3(a, b, d, 10, &na, &nb, &nd);
  SAY("datagrams: total %d, all in one socket: %s", na + nb + nd,
      (na == 10 || nb == 10 || nd == 10) ? "yes" : "no");
  /* The peer's datagrams: one flow too. */
  for (int i = 0; i < 5; i++) peer_send(US, 20030, 20032, "from peer");
  count3(a, b, d, 5, &na, &nb, &nd);
  SAY("peer datagrams: total %d, all in one socket: %s", na + nb + nd,
      (na == 5 || nb == 5 || nd == 5) ? "yes" : "no");
  return 0;
}
