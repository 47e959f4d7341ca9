/* MSG_PEEK leaves the datagram queued (twice the same, with its source),
 * a later recv takes it; peeking with a small buffer sets MSG_TRUNC. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20120), s = udp_bound(LOOP, 20121);
  SENDTO(s, "first datagram", LOOP, 20120);
  SENDTO(s, "second", LOOP, 20120);
  await(r, POLLIN);
  show_recvfrom("r peek", r, MSG_PEEK);
  show_recvfrom("r peek", r, MSG_PEEK);
  char buf[5];
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  ssize_t n = recvmsg(r, &mh, MSG_PEEK);
  SAY("recvmsg(5, MSG_PEEK) = %zd %s flags %s", n, data_str(buf, n < 0 ? -1 : n), msgflags_str(mh.msg_flags));
  n = recv(r, buf, sizeof buf, MSG_PEEK | MSG_TRUNC);
  SAY("recv(5, MSG_PEEK|MSG_TRUNC) = %zd", n);
  show_recvfrom("r", r, 0);
  await(r, POLLIN);
  show_recvfrom("r peek", r, MSG_PEEK | MSG_DONTWAIT);
  show_recvfrom("r", r, MSG_DONTWAIT);
  show_recvfrom("r peek", r, MSG_PEEK | MSG_DONTWAIT);
  return 0;
}
