/* SOCK_SEQPACKET through a pathname listener: records keep their
 * boundaries both ways, a short read truncates (MSG_TRUNC in msg_flags, the
 * rest of the record dropped), MSG_TRUNC as a flag returns the full length,
 * the peer's close reads as 0 and writing after it is EPIPE. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_SEQPACKET, "l", &l, &c, &a);
  show_peername("client", c);
  show_sockname("accepted", a);
  SHOW(send(c, "first record", 12, 0));
  SHOW(send(c, "second", 6, 0));
  SHOW(send(c, "third!", 6, 0));
  char buf[32];
  struct iovec iov = {buf, 5};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  ssize_t n = recvmsg(a, &mh, 0);
  SAY("recvmsg 5 = %zd %s flags %s", n, data_str(buf, n), msgflags_str(mh.msg_flags));
  n = recv(a, buf, 3, MSG_TRUNC);
  SAY("recv 3 MSG_TRUNC = %zd %s", n, data_str(buf, n < 3 ? n : 3));
  n = recv(a, buf, sizeof buf, 0);
  show_data("recv", buf, n);
  SHOW(send(a, "reply", 5, 0));
  n = recv(c, buf, sizeof buf, 0);
  show_data("client recv", buf, n);
  SHOW(close(c));
  await(a, POLLIN);
  SHOW(recv(a, buf, sizeof buf, 0));
  SHOW(send(a, "late", 4, MSG_NOSIGNAL));
  return 0;
}
