/* Ancillary data on sendmsg over IPv6: IPV6_HOPLIMIT and IPV6_TCLASS for
 * one datagram (the peer sees them; the socket's defaults stay), an
 * IPV6_PKTINFO source address of ours is used, a foreign one EINVAL; a
 * hop limit out of range EINVAL; an unknown cmsg type EINVAL. */
#include "udp6_compat.h"
static ssize_t send_with(int s, const char *text, int level, int type, const void *data, size_t len) {
  char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] __attribute__((aligned(8)));
  memset(cbuf, 0, sizeof cbuf);
  struct sockaddr_in6 d = sin6_of(PEER6, DISCARD_PORT);
  struct iovec iov = {(void *)text, strlen(text)};
  struct msghdr mh = {.msg_name = &d, .msg_namelen = sizeof d, .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = cbuf, .msg_controllen = CMSG_SPACE(len)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(len);
  memcpy(CMSG_DATA(c), data, len);
  return sendmsg(s, &mh, 0);
}
int main(void) {
  int s = udp6_socket();
  int v = 7;
  SHOW(send_with(s, "hops 7", SOL_IPV6, IPV6_HOPLIMIT, &v, sizeof v));
  show_peer_last6("hops 7");
  v = 0x30;
  SHOW(send_with(s, "tclass 0x30", SOL_IPV6, IPV6_TCLASS, &v, sizeof v));
  show_peer_last6("tclass 0x30");
  SENDTO6(s, "defaults", PEER6, DISCARD_PORT);
  show_peer_last6("defaults");
  struct in6_pktinfo pi;
  memset(&pi, 0, sizeof pi);
  inet_pton(AF_INET6, US6, &pi.ipi6_addr);
  SHOW(send_with(s, "pktinfo US6", SOL_IPV6, IPV6_PKTINFO, &pi, sizeof pi));
  show_peer_last6("pktinfo US6");
  inet_pton(AF_INET6, FOREIGN6, &pi.ipi6_addr);
  SHOW(send_with(s, "pktinfo foreign", SOL_IPV6, IPV6_PKTINFO, &pi, sizeof pi));
  v = 300;
  SHOW(send_with(s, "hops 300", SOL_IPV6, IPV6_HOPLIMIT, &v, sizeof v));
  v = -1;
  SHOW(send_with(s, "hops -1", SOL_IPV6, IPV6_HOPLIMIT, &v, sizeof v));
  show_peer_last6("hops -1");
  SHOW(send_with(s, "unknown", SOL_IPV6, 999, &v, sizeof v));
  char b = 5;
  SHOW(send_with(s, "short hoplimit", SOL_IPV6, IPV6_HOPLIMIT, &b, 1));
  return 0;
}
