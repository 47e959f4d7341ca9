/* UDP-Lite datagrams through the message calls: sendmsg gathering two
 * pieces, recvmsg with MSG_PEEK and MSG_TRUNC, IP_PKTINFO and IP_RECVTTL,
 * and UDP_CORK joining two sends into one datagram, with a coverage. */
#include "udplite_compat.h"
int main(void) {
  int s = lite_bound(US, 24000);
  SHOW(set_int(s, SOL_IP, IP_PKTINFO, 1));
  SHOW(set_int(s, SOL_IP, IP_RECVTTL, 1));
  int c = lite_socket();
  struct sockaddr_in p = sin_of(PEER, LITE_ECHO);
  struct iovec iov[2] = {{(void *)"gath", 4}, {(void *)"ered", 4}};
  struct msghdr mh = {.msg_name = &p, .msg_namelen = sizeof p, .msg_iov = iov, .msg_iovlen = 2};
  SHOW(set_int(c, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 12));
  SHOW(sendmsg(c, &mh, 0));
  drain("gathered", c);
  SHOW(set_int(c, SOL_UDP, UDP_CORK, 1));
  SHOW(sendto(c, "one,", 4, 0, SA(p), sizeof p));
  SHOW(sendto(c, "two", 3, 0, SA(p), sizeof p));
  SHOW(set_int(c, SOL_UDP, UDP_CORK, 0));
  drain("corked", c);
  peer_lite(US, 24000, 24001, 16, 16, 2, "message with a tail");
  msleep(200);
  show_recvmsg("peek", s, MSG_PEEK | MSG_DONTWAIT, 256);
  char small[5];
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(s, small, sizeof small, MSG_TRUNC | MSG_DONTWAIT, SA(from), &fl);
  SAY("recvfrom MSG_TRUNC into 5 = %zd %s from %s", n, n >= 0 ? data_str(small, 5) : errname(errno),
      in_str(&from, fl));
  drain("after", s);
  return 0;
}
