/* Scatter/gather: writev/readv on a stream; sendmsg with several iovecs is
 * one record on seqpacket and one datagram on dgram; recvmsg fills several
 * iovecs in order and reports MSG_TRUNC when they are too short. */
#include "../compat.h"
static void gather_send(int fd, const char *what) {
  struct iovec iov[3] = {{"one-", 4}, {"two-", 4}, {"three", 5}};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = iov;
  mh.msg_iovlen = 3;
  SAY("%s: sendmsg 3 iovecs = %zd", what, sendmsg(fd, &mh, 0));
}
static void scatter_recv(int fd, const char *what, size_t first, size_t second) {
  char a[16], b[16];
  struct iovec iov[2] = {{a, first}, {b, second}};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = iov;
  mh.msg_iovlen = 2;
  await(fd, POLLIN);
  ssize_t n = recvmsg(fd, &mh, 0);
  if (n < 0) { SAY("%s: recvmsg -1 %s", what, errname(errno)); return; }
  size_t n1 = (size_t)n < first ? (size_t)n : first;
  SAY("%s: recvmsg = %zd iov0 %s iov1 %s flags %s", what, n, data_str(a, (ssize_t)n1),
      data_str(b, n - (ssize_t)n1), msgflags_str(mh.msg_flags));
}
int main(void) {
  int sv[2];
  MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  struct iovec w[2] = {{"abc", 3}, {"defgh", 5}};
  SHOW(writev(sv[0], w, 2));
  await(sv[1], POLLIN);
  msleep(50);
  char x[4], y[8];
  struct iovec r[2] = {{x, 4}, {y, 8}};
  ssize_t n = readv(sv[1], r, 2);
  SAY("readv = %zd %s %s", n, data_str(x, n < 4 ? n : 4), data_str(y, n > 4 ? n - 4 : 0));
  gather_send(sv[0], "stream");
  scatter_recv(sv[1], "stream", 6, 10);
  int types[2] = {SOCK_SEQPACKET, SOCK_DGRAM};
  const char *names[2] = {"seqpacket", "dgram"};
  for (int i = 0; i < 2; i++) {
    int p[2];
    MUST(socketpair(AF_UNIX, types[i], 0, p));
    gather_send(p[0], names[i]);
    gather_send(p[0], names[i]);
    scatter_recv(p[1], names[i], 6, 10);
    scatter_recv(p[1], names[i], 3, 3);
    SHOW(recv(p[1], x, sizeof x, MSG_DONTWAIT));
  }
  return 0;
}
