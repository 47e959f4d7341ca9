/* datagrams: sendto/recvfrom with the sender's name (or none when unbound), boundaries kept. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un r, s;
  socklen_t lr = path_name(&r, "recv"), ls = path_name(&s, "send");
  int rx = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(bind(rx, (struct sockaddr*)&r, lr));
  int anon = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(sendto(anon, "anon", 4, 0, (struct sockaddr*)&r, lr));
  int tx = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(bind(tx, (struct sockaddr*)&s, ls));
  SHOW(sendto(tx, "named", 5, 0, (struct sockaddr*)&r, lr));
  SHOW(sendto(tx, "", 0, 0, (struct sockaddr*)&r, lr));
  char buf[16];
  struct sockaddr_un from;
  for (int i = 0; i < 3; i++) {
    socklen_t fl = sizeof from;
    memset(&from, 0, sizeof from);
    long n = recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr*)&from, &fl);
    show_data("recvfrom", buf, n);
    SAY("from len %s %s", fl == ls ? "= sender's" : fl == 0 ? "0" : "other",
        fl > sizeof(sa_family_t) ? strrchr(from.sun_path, '/') : "-");
  }
  SHOW(sendto(tx, "0123456789", 10, 0, (struct sockaddr*)&r, lr));
  struct iovec iov = {buf, 4};
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  long n = recvmsg(rx, &mh, 0);
  show_data("short recvmsg", buf, n);
  SAY("MSG_TRUNC %d namelen %d", !!(mh.msg_flags & MSG_TRUNC), (int)mh.msg_namelen);
  SHOW(sendto(tx, "abcdef", 6, 0, (struct sockaddr*)&r, lr));
  SHOW(recv(rx, buf, 2, MSG_TRUNC));
  SHOW(recv(rx, buf, sizeof buf, MSG_DONTWAIT));
  SHOW(send(tx, "x", 1, 0));
  return 0;
}
