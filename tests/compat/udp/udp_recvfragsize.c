/* IP_RECVFRAGSIZE: a datagram that came in fragments carries the size of
 * the largest one (the link MTU here); one that came whole carries none. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(US, 20395);
  SHOW_OPT(r, SOL_IP, IP_RECVFRAGSIZE);
  SHOW(set_int(r, SOL_IP, IP_RECVFRAGSIZE, 1));
  SHOW_OPT(r, SOL_IP, IP_RECVFRAGSIZE);
  SAY("peer: %s", peer_cmd("send %s 20395 5010 64 0 1 3000 big", US));
  await(r, POLLIN);
  char buf[4000], cbuf[128] __attribute__((aligned(8)));
  for (int i = 0; i < 2; i++) {
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(r, &mh, 0);
    SAY("recvmsg = %zd", n);
    int any = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
      int v = 0;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      SAY("cmsg level %d type %d len %zu value %d", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len, v);
      any = 1;
    }
    if (!any) SAY("no cmsg");
    if (i == 0) {
      SAY("peer: %s", peer_cmd("send %s 20395 5010 64 0 1 0 small", US));
      await(r, POLLIN);
    }
  }
  return 0;
}
