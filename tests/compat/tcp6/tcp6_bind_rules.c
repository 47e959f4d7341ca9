/* bind for IPv6 TCP: our address, ::1 and :: work; a foreign address
 * EADDRNOTAVAIL; short names (an AF_INET one too) EINVAL, another family
 * in 28 bytes EAFNOSUPPORT; binding
 * twice EINVAL; the same address and port EADDRINUSE (also with
 * SO_REUSEADDR while one listens); SO_REUSEADDR on both, neither listening,
 * may share, and then the second listen is EADDRINUSE; a listener's port
 * with a specific address. */
#include "tcp6_compat.h"
static int try_bind(const char *label, int s, const char *ip, int port) {
  struct sockaddr_in6 a = sin6_of(ip, port);
  int r = bind(s, SA(a), sizeof a);
  SAY("bind(%s, [%s]:%d) = %d %s", label, ip, port, r, r < 0 ? errname(errno) : "");
  return r;
}
int main(void) {
  int s = tcp6_socket();
  try_bind("s", s, FOREIGN6, 20340);
  try_bind("s", s, PEER6, 20340);
  struct sockaddr_in6 a = sin6_of(US6, 20340);
  SHOW(bind(s, SA(a), 23));
  struct sockaddr_in v4 = sin_of(US, 20340);
  SHOW(bind(s, SA(v4), sizeof v4));
  struct sockaddr_in6 fam = a;
  fam.sin6_family = AF_INET;
  SHOW(bind(s, SA(fam), sizeof fam));
  try_bind("s", s, US6, 20340);
  try_bind("s again", s, US6, 20341);
  int t = tcp6_socket();
  try_bind("t same", t, US6, 20340);
  try_bind("t any same port", t, ANY6, 20340);
  try_bind("t lo same port", t, LOOP6, 20340);
  int r1 = tcp6_socket(), r2 = tcp6_socket();
  MUST(set_int(r1, SOL_SOCKET, SO_REUSEADDR, 1));
  MUST(set_int(r2, SOL_SOCKET, SO_REUSEADDR, 1));
  try_bind("r1", r1, ANY6, 20342);
  try_bind("r2", r2, ANY6, 20342);
  SHOW(listen(r1, 4));
  SHOW(listen(r2, 4));
  int r3 = tcp6_socket();
  MUST(set_int(r3, SOL_SOCKET, SO_REUSEADDR, 1));
  try_bind("r3 while r1 listens", r3, ANY6, 20342);
  try_bind("r3 specific while r1 listens", r3, US6, 20342);
  int l = tcp6_listener(US6, 20343, 4, -1);
  int u = tcp6_socket();
  try_bind("u any, listener on US6", u, ANY6, 20343);
  close(l);
  try_bind("u any, listener closed", u, ANY6, 20343);
  return 0;
}
