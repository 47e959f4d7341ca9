/* Sizes over IPv6: a 1452-byte datagram fills the 1500-byte link exactly,
 * bigger ones are fragmented (the echo comes back whole); with
 * IPV6_DONTFRAG they are EMSGSIZE instead (connected and not); above 65527
 * bytes of payload EMSGSIZE always; IPV6_DONTFRAG get/set. */
#include "udp6_compat.h"
static char big[70000];
static void echo_size(int s, size_t n, const char *label) {
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  ssize_t r = sendto(s, big, n, 0, SA(e), sizeof e);
  if (r < 0) { SAY("sendto(%s, %zu) = -1 %s", label, n, errname(errno)); return; }
  SAY("sendto(%s, %zu) = %zd", label, n, r);
  await(s, POLLIN);
  r = recv(s, big, sizeof big, MSG_DONTWAIT);
  if (r < 0) SAY("echo(%s) = -1 %s", label, errname(errno));
  else SAY("echo(%s) = %zd", label, r);
}
int main(void) {
  memset(big, 'x', sizeof big);
  int s = udp6_socket();
  SHOW_OPT(s, SOL_IPV6, IPV6_DONTFRAG);
  echo_size(s, 1452, "fits");
  echo_size(s, 1453, "fragmented");
  echo_size(s, 9000, "fragmented");
  echo_size(s, 65527, "largest");
  echo_size(s, 65528, "too big");
  SHOW(set_int(s, SOL_IPV6, IPV6_DONTFRAG, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_DONTFRAG);
  echo_size(s, 1452, "dontfrag fits");
  echo_size(s, 1453, "dontfrag too big");
  echo_size(s, 9000, "dontfrag too big");
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  SHOW(send(s, big, 1453, 0));
  SHOW(send(s, big, 1452, 0));
  await(s, POLLIN);
  SHOW(recv(s, big, sizeof big, MSG_DONTWAIT));
  SHOW(set_int(s, SOL_IPV6, IPV6_DONTFRAG, 0));
  SHOW(send(s, big, 1453, 0));
  await(s, POLLIN);
  SHOW(recv(s, big, sizeof big, MSG_DONTWAIT));
  SHOW(set_int(s, SOL_IPV6, IPV6_DONTFRAG, 2));
  SHOW_OPT(s, SOL_IPV6, IPV6_DONTFRAG);
  return 0;
}
