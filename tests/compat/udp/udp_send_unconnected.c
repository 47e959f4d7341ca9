/* Sending without a destination on an unconnected socket: EDESTADDRREQ from
 * send, write, sendto(NULL), sendmsg without a name; port 0 is EINVAL. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SHOW(send(s, "x", 1, 0));
  SHOW(write(s, "x", 1));
  SHOW(sendto(s, "x", 1, 0, NULL, 0));
  struct iovec iov = {"x", 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  SHOW(sendmsg(s, &mh, 0));
  show_name("s", s);
  struct sockaddr_in p0 = sin_of(PEER, 0);
  SHOW(sendto(s, "x", 1, 0, SA(p0), sizeof p0));
  show_name("s", s);
  int b = udp_bound(US, 20080);
  SHOW(send(b, "x", 1, 0));
  SHOW(send(b, "", 0, 0));
  return 0;
}
