/* Bad addresses: short lengths are EINVAL, another family EAFNOSUPPORT
 * (bind accepts AF_UNSPEC with INADDR_ANY, sendto takes AF_UNSPEC as
 * AF_INET), an over-long name is EINVAL; names copied out are cut to the
 * buffer and report their full length. */
#include "udp_compat.h"
#include <netinet/in.h>
int main(void) {
  int s = udp_socket();
  struct sockaddr_in a = sin_of(LOOP, 20250);
  SHOW(bind(s, SA(a), sizeof a - 1));
  SHOW(bind(s, SA(a), 0));
  struct sockaddr_in6 six;
  memset(&six, 0, sizeof six);
  six.sin6_family = AF_INET6;
  six.sin6_port = htons(20250);
  SHOW(bind(s, (struct sockaddr *)&six, sizeof six));
  struct sockaddr_in un = sin_of("198.18.0.2", 20250);
  un.sin_family = AF_UNSPEC;
  SHOW(bind(s, SA(un), sizeof un));
  un.sin_addr.s_addr = htonl(INADDR_ANY);
  SHOW(bind(s, SA(un), sizeof un));
  show_name("s", s);
  int t = udp_socket();
  SHOW(connect(t, SA(a), sizeof a - 1));
  SHOW(connect(t, (struct sockaddr *)&six, sizeof six));
  SHOW(sendto(t, "x", 1, 0, SA(a), sizeof a - 1));
  SHOW(sendto(t, "x", 1, 0, (struct sockaddr *)&six, sizeof six));
  struct sockaddr_in ua = sin_of(LOOP, 20251);
  int r = udp_bound(LOOP, 20251);
  ua.sin_family = AF_UNSPEC;
  SHOW(sendto(t, "unspec", 6, 0, SA(ua), sizeof ua));
  await(r, POLLIN);
  show_recvfrom("r", r, MSG_DONTWAIT);
  char huge[200];
  memset(huge, 0, sizeof huge);
  struct sockaddr_in ra = sin_of(LOOP, 20251);
  memcpy(huge, &ra, sizeof ra);
  SHOW(sendto(t, "x", 1, 0, (struct sockaddr *)huge, sizeof huge));
  SHOW(sendto(t, "x", 1, 0, (struct sockaddr *)huge, 20));
  await(r, POLLIN);
  show_recvfrom("r", r, MSG_DONTWAIT);
  struct sockaddr_in got;
  memset(&got, 0, sizeof got);
  socklen_t gl = 4;
  SHOW(getsockname(r, SA(got), &gl));
  SAY("len %u family %d port %u", (unsigned)gl, got.sin_family, ntohs(got.sin_port));
  gl = 0;
  SHOW(getsockname(r, SA(got), &gl));
  SAY("len %u", (unsigned)gl);
  gl = 64;
  char wide[64];
  SHOW(getsockname(r, (struct sockaddr *)wide, &gl));
  SAY("len %u", (unsigned)gl);
  SENDTO(t, "for recvfrom", LOOP, 20251);
  await(r, POLLIN);
  gl = 6;
  memset(&got, 0, sizeof got);
  char buf[32];
  SHOW(recvfrom(r, buf, sizeof buf, 0, SA(got), &gl));
  SAY("len %u family %d port %s", (unsigned)gl, got.sin_family, port_str(ntohs(got.sin_port)));
  return 0;
}
