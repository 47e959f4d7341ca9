/* seqpacket keeps record boundaries; a short read truncates (MSG_TRUNC), the rest is gone. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_SEQPACKET, "l", &l, &c, &a);
  SHOW(send(c, "abc", 3, 0));
  SHOW(send(c, "defgh", 5, 0));
  SHOW(send(c, "", 0, 0));
  SHOW(send(c, "0123456789", 10, 0));
  char buf[32];
  long n = recv(a, buf, sizeof buf, 0);
  show_data("rec", buf, n);
  n = recv(a, buf, sizeof buf, 0);
  show_data("rec", buf, n);
  n = recv(a, buf, sizeof buf, 0);
  show_data("empty rec", buf, n);
  struct iovec iov = {buf, 4};
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  n = recvmsg(a, &mh, 0);
  show_data("short", buf, n);
  SAY("MSG_TRUNC %d MSG_EOR %d", !!(mh.msg_flags & MSG_TRUNC), !!(mh.msg_flags & MSG_EOR));
  SHOW(send(c, "abcdefgh", 8, 0));
  n = recv(a, buf, 3, MSG_TRUNC);
  SAY("recv(3, MSG_TRUNC) = %ld", n);
  SHOW(recv(a, buf, sizeof buf, MSG_DONTWAIT));
  return 0;
}
