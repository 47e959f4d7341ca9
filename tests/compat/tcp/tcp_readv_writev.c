/* writev/readv and sendmsg/recvmsg with several iovecs; msg_flags. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  struct iovec w[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
  SHOW(writev(s, w, 3));
  char a[5], b[4], c[8];
  struct iovec r[3] = {{a, 5}, {b, 4}, {c, 8}};
  await_ms(s, POLLIN, 3000);
  msleep(100);
  ssize_t n = readv(s, r, 3);
  SAY("readv = %zd", n);
  SAY("iov 0 %s", data_str(a, 5));
  SAY("iov 1 %s", data_str(b, 4));
  SAY("iov 2 %s", data_str(c, n > 9 ? n - 9 : 0));
  struct msghdr mh = {.msg_iov = w, .msg_iovlen = 2};
  SHOW(sendmsg(s, &mh, 0));
  char d[16];
  struct iovec ri = {d, sizeof d};
  struct msghdr rm = {.msg_iov = &ri, .msg_iovlen = 1};
  await_ms(s, POLLIN, 3000);
  msleep(100);
  n = recvmsg(s, &rm, 0);
  SAY("recvmsg = %zd %s flags %s namelen %u", n, data_str(d, n), msgflags_str(rm.msg_flags), (unsigned)rm.msg_namelen);
  return 0;
}
