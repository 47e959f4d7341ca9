/* sendmsg gathers several iovecs into one datagram; recvmsg scatters one
 * datagram over several, cutting the rest (MSG_TRUNC); readv/writev on a
 * connected socket. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20260), s = udp_bound(LOOP, 20261);
  struct sockaddr_in to = sin_of(LOOP, 20260);
  struct iovec out[3] = {{"head-", 5}, {"", 0}, {"tail", 4}};
  struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = out, .msg_iovlen = 3};
  SHOW(sendmsg(s, &mh, 0));
  await(r, POLLIN);
  char a[3], b[4], c[1];
  struct iovec in[3] = {{a, 3}, {b, 4}, {c, 1}};
  struct msghdr rh = {.msg_iov = in, .msg_iovlen = 3};
  ssize_t n = recvmsg(r, &rh, 0);
  SAY("recvmsg = %zd flags %s", n, msgflags_str(rh.msg_flags));
  show_data("iov[0]", a, 3);
  show_data("iov[1]", b, 4);
  show_data("iov[2]", c, 1);
  struct sockaddr_in sa = sin_of(LOOP, 20261);
  MUST(connect(r, SA(sa), sizeof sa));
  MUST(connect(s, SA(to), sizeof to));
  SHOW(writev(s, out, 3));
  await(r, POLLIN);
  char big[32];
  struct iovec one = {big, sizeof big};
  n = readv(r, &one, 1);
  show_data("readv", big, n);
  return 0;
}
