/* IPV6_RECVPKTINFO: each datagram says where it arrived (2001:db8::2 on the
 * link, ::1 on lo); off, no cmsg; the option read back; IPV6_2292PKTINFO is
 * another option; too little control space truncates (MSG_CTRUNC). */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_bound(ANY6, 20160);
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVPKTINFO);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVPKTINFO, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVPKTINFO);
  peer_send6(US6, 20160, 20161, 64, 0, "from the peer");
  await(s, POLLIN);
  show_recvmsg6("link", s, 0, 256);
  int l = udp6_socket();
  SENDTO6(l, "over lo", LOOP6, 20160);
  await(s, POLLIN);
  show_recvmsg6("lo", s, 0, 256);
  SENDTO6(l, "to our address", US6, 20160);
  await(s, POLLIN);
  show_recvmsg6("to US6 from here", s, 0, 256);
  SENDTO6(l, "small control", LOOP6, 20160);
  await(s, POLLIN);
  show_recvmsg6("small control", s, 0, 8);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVPKTINFO, 0));
  SENDTO6(l, "off", LOOP6, 20160);
  await(s, POLLIN);
  show_recvmsg6("off", s, 0, 256);
  SHOW_OPT(s, SOL_IPV6, IPV6_2292PKTINFO);
  return 0;
}
