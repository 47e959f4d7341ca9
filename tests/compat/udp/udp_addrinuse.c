/* Address in use: the same address and port twice; the wildcard against a
 * specific address on the same port, both ways; two different specific
 * addresses on one port are fine; the port is free again after close. */
#include "udp_compat.h"
static void try_bind(const char *label, int fd, const char *ip, int port) {
  struct sockaddr_in a = sin_of(ip, port);
  CKL(label, bind(fd, SA(a), sizeof a));
}
int main(void) {
  int a = udp_socket(), b = udp_socket(), c = udp_socket(), d = udp_socket(), e = udp_socket();
  try_bind("bind(a, 198.18.0.2:20010)", a, US, 20010);
  try_bind("bind(b, 198.18.0.2:20010)", b, US, 20010);
  try_bind("bind(b, 0.0.0.0:20010)", b, "0.0.0.0", 20010);
  try_bind("bind(b, 127.0.0.1:20010)", b, LOOP, 20010);
  try_bind("bind(c, 0.0.0.0:20011)", c, "0.0.0.0", 20011);
  try_bind("bind(d, 198.18.0.2:20011)", d, US, 20011);
  try_bind("bind(d, 127.0.0.1:20011)", d, LOOP, 20011);
  SHOW(close(a));
  try_bind("bind(e, 198.18.0.2:20010)", e, US, 20010);
  show_name("e", e);
  int f = udp_socket();
  struct sockaddr_in to = sin_of(US, 20011);
  SHOW(connect(f, SA(to), sizeof to));
  int g = udp_socket();
  struct sockaddr_in fa;
  socklen_t fl = sizeof fa;
  MUST(getsockname(f, SA(fa), &fl));
  fa.sin_addr.s_addr = htonl(INADDR_ANY);
  CKL("bind(g, f's port, wildcard)", bind(g, SA(fa), sizeof fa));
  return 0;
}
