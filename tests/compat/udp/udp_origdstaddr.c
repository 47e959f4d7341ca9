/* IP_RECVORIGDSTADDR: each datagram carries IP_ORIGDSTADDR, the address
 * and port it was sent to (unicast from the peer, over 127.0.0.1, and a
 * broadcast received by a wildcard socket). */
#include "udp_compat.h"
static void show_orig(const char *label, int fd) {
  char buf[64], cbuf[256] __attribute__((aligned(8)));
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(fd, &mh, 0);
  if (n < 0) { say("recvmsg(%s) = -1 %s", label, errname(errno)); return; }
  say("recvmsg(%s) = %zd %s", label, n, data_str(buf, n));
  int any = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    any = 1;
    if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_ORIGDSTADDR && c->cmsg_len == CMSG_LEN(sizeof(struct sockaddr_in))) {
      struct sockaddr_in a;
      memcpy(&a, CMSG_DATA(c), sizeof a);
      say("%s: IP_ORIGDSTADDR %s", label, in_str(&a, sizeof a));
    } else {
      say("%s: cmsg level %d type %d len %zu", label, c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
    }
  }
  if (!any) say("%s: no cmsg", label);
}
int main(void) {
  int r = udp_bound("0.0.0.0", 20380);
  peer_send(US, 20380, 5009, "before");
  await(r, POLLIN);
  show_orig("r", r);
  SHOW(set_int(r, SOL_IP, IP_RECVORIGDSTADDR, 1));
  peer_send(US, 20380, 5009, "unicast");
  await(r, POLLIN);
  show_orig("r", r);
  int s = udp_socket();
  SENDTO(s, "over lo", LOOP, 20380);
  await(r, POLLIN);
  show_orig("r", r);
  peer_send(BCAST, 20380, 5009, "broadcast");
  await(r, POLLIN);
  show_orig("r", r);
  return 0;
}
