/* IPV6_RECVPATHMTU (RFC 3542 §11.3, Linux ipv6_local_rxpmtu): a send that
 * IPV6_DONTFRAG refuses (EMSGSIZE) leaves a record for recvmsg: no data,
 * the destination with port 0 as its name, an IPV6_PATHMTU cmsg (struct
 * ip6_mtuinfo: the destination and the MTU); without the option nothing
 * is left; IPV6_PMTUDISC_DO refuses too but leaves none; an unconnected
 * socket's record names the sendto address. (recvmsg after a pause, not
 * after poll: Linux does not poll the record readable.) */
#include "udp6_compat.h"
static char big[2000];
static void show_rxpmtu(const char *label, int fd) {
  char buf[64];
  union {
    struct cmsghdr h;
    char b[256];
  } ctl;
  struct sockaddr_storage from;
  memset(&from, 0x55, sizeof from);
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {0};
  mh.msg_name = &from;
  mh.msg_namelen = sizeof(struct sockaddr_in6);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.b;
  mh.msg_controllen = sizeof ctl.b;
  ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
  if (n < 0) {
    say("recvmsg(%s) = -1 %s", label, errname(errno));
    return;
  }
  say("recvmsg(%s) = %zd from %s flags %s", label, n, in6_str(&from, mh.msg_namelen), msgflags_str(mh.msg_flags));
  int k = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    k++;
    size_t dlen = c->cmsg_len - CMSG_LEN(0);
    if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_PATHMTU && dlen == sizeof(struct ip6_mtuinfo)) {
      struct ip6_mtuinfo mi;
      memcpy(&mi, CMSG_DATA(c), sizeof mi);
      say("%s: cmsg SOL_IPV6 IPV6_PATHMTU mtu %u addr %s flowinfo %u", label, mi.ip6m_mtu,
          in6_str(&mi.ip6m_addr, sizeof mi.ip6m_addr), (unsigned)mi.ip6m_addr.sin6_flowinfo);
    } else {
      say("%s: cmsg level %d type %d len %zu", label, c->cmsg_level, c->cmsg_type, dlen);
    }
  }
  if (!k) say("%s: no cmsg", label);
}
int main(void) {
  memset(big, 'b', sizeof big);
  int s = udp6_socket();
  struct sockaddr_in6 d = sin6_of(PEER6, DISCARD_PORT);
  SHOW(connect(s, SA(d), sizeof d));
  SHOW(set_int(s, SOL_IPV6, IPV6_DONTFRAG, 1));
  SHOW(send(s, big, 1500, 0));
  msleep(100);
  show_rxpmtu("without IPV6_RECVPATHMTU", s);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVPATHMTU, 1));
  SHOW(send(s, big, 1453, 0));
  msleep(100);
  show_rxpmtu("after 1453", s);
  show_rxpmtu("again", s);
  SHOW(send(s, big, 1452, 0));
  show_peer_last6("1452");
  SHOW(set_int(s, SOL_IPV6, IPV6_DONTFRAG, 0));
  SHOW(set_int(s, SOL_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO));
  SHOW(send(s, big, 2000, 0));
  msleep(100);
  show_rxpmtu("after PMTUDISC_DO", s);
  int u = udp6_socket();
  SHOW(set_int(u, SOL_IPV6, IPV6_RECVPATHMTU, 1));
  SHOW(set_int(u, SOL_IPV6, IPV6_DONTFRAG, 1));
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(sendto(u, big, 2000, 0, SA(e), sizeof e));
  msleep(100);
  show_rxpmtu("unconnected", u);
  return 0;
}
