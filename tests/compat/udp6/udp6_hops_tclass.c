/* IPV6_RECVHOPLIMIT and IPV6_RECVTCLASS: the peer sends with hop limit 33
 * and traffic class 0x28, the cmsgs say so (64 and 0 by default; 64 and 0
 * over ::1); IPV6_UNICAST_HOPS and IPV6_TCLASS on our side reach the peer;
 * their ranges (-1 means the default; below -1 or above 255 EINVAL). */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_bound(ANY6, 20170);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVHOPLIMIT, 1));
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVTCLASS, 1));
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVHOPLIMIT);
  SHOW_OPT(s, SOL_IPV6, IPV6_RECVTCLASS);
  peer_send6(US6, 20170, 20171, 33, 0x28, "hops 33 tclass 0x28");
  await(s, POLLIN);
  show_recvmsg6("peer 33/0x28", s, 0, 256);
  peer_send6(US6, 20170, 20171, 64, 0, "defaults");
  await(s, POLLIN);
  show_recvmsg6("peer 64/0", s, 0, 256);
  int o = udp6_socket();
  SHOW_OPT(o, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(o, SOL_IPV6, IPV6_TCLASS);
  SENDTO6(o, "over lo", LOOP6, 20170);
  await(s, POLLIN);
  show_recvmsg6("lo defaults", s, 0, 256);
  SHOW(set_int(o, SOL_IPV6, IPV6_UNICAST_HOPS, 17));
  SHOW(set_int(o, SOL_IPV6, IPV6_TCLASS, 0xb8));
  SHOW_OPT(o, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(o, SOL_IPV6, IPV6_TCLASS);
  SENDTO6(o, "over lo 17/0xb8", LOOP6, 20170);
  await(s, POLLIN);
  show_recvmsg6("lo 17/0xb8", s, 0, 256);
  SENDTO6(o, "to the peer 17/0xb8", PEER6, DISCARD_PORT);
  show_peer_last6("17/0xb8");
  SHOW(set_int(o, SOL_IPV6, IPV6_UNICAST_HOPS, -1));
  SHOW(set_int(o, SOL_IPV6, IPV6_TCLASS, -1));
  SHOW_OPT(o, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(o, SOL_IPV6, IPV6_TCLASS);
  SENDTO6(o, "back to defaults", PEER6, DISCARD_PORT);
  show_peer_last6("defaults");
  SHOW(set_int(o, SOL_IPV6, IPV6_UNICAST_HOPS, 256));
  SHOW(set_int(o, SOL_IPV6, IPV6_UNICAST_HOPS, -2));
  SHOW(set_int(o, SOL_IPV6, IPV6_TCLASS, 256));
  SHOW(set_int(o, SOL_IPV6, IPV6_TCLASS, -2));
  SHOW(set_int(o, SOL_IPV6, IPV6_UNICAST_HOPS, 0));
  SHOW_OPT(o, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW(set_int(o, SOL_IPV6, IPV6_UNICAST_HOPS, 255));
  SHOW_OPT(o, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(o, SOL_IPV6, IPV6_MULTICAST_HOPS);
  SHOW_OPT(o, SOL_IPV6, IPV6_MULTICAST_LOOP);
  return 0;
}
