/* sendmsg control for one datagram (Linux ip_cmsg_send): IP_TTL and IP_TOS
 * override the socket's values (the peer sees them), IP_PKTINFO chooses
 * the source address; a TTL of 0 or an unknown SOL_IP type is EINVAL. */
#include "udp_compat.h"
static ssize_t send_ctl(int fd, const char *text, int type, const void *v, size_t vlen) {
  struct sockaddr_in to = sin_of(PEER, DISCARD_PORT);
  struct iovec iov = {(void *)text, strlen(text)};
  union { char buf[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } u;
  memset(&u, 0, sizeof u);
  struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = u.buf, .msg_controllen = CMSG_SPACE(vlen)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_IP;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(vlen);
  memcpy(CMSG_DATA(c), v, vlen);
  return sendmsg(fd, &mh, 0);
}
int main(void) {
  int s = udp_socket();
  MUST(set_int(s, SOL_IP, IP_TTL, 20));
  int ttl = 3, tos = 0x48, zero = 0;
  CKL("sendmsg IP_TTL 3", send_ctl(s, "ttl 3", IP_TTL, &ttl, sizeof ttl));
  show_peer_last("discard");
  CKL("sendmsg IP_TOS 0x48", send_ctl(s, "tos 0x48", IP_TOS, &tos, sizeof tos));
  show_peer_last("discard");
  CKL("send without control", send_str(s, "plain", PEER, DISCARD_PORT));
  show_peer_last("discard");
  struct in_pktinfo pi;
  memset(&pi, 0, sizeof pi);
  inet_pton(AF_INET, US, &pi.ipi_spec_dst);
  CKL("sendmsg IP_PKTINFO spec_dst 198.18.0.2", send_ctl(s, "pktinfo", IP_PKTINFO, &pi, sizeof pi));
  show_peer_last("discard");
  CKL("sendmsg IP_TTL 0", send_ctl(s, "ttl 0", IP_TTL, &zero, sizeof zero));
  CKL("sendmsg SOL_IP type 9999", send_ctl(s, "unknown", 9999, &zero, sizeof zero));
  show_peer_last("discard");
  return 0;
}
