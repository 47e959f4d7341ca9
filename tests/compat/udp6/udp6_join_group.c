/* IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP (and their ADD/DROP_MEMBERSHIP
 * names): joining twice is EADDRINUSE, leaving a group not joined
 * EADDRNOTAVAIL, a unicast group EINVAL, a short ipv6_mreq EINVAL, an
 * unknown interface ENODEV; IPV6_MULTICAST_IF / _HOPS / _LOOP get and set;
 * a joined socket still gets its unicast. */
#include "udp6_compat.h"
static int mreq(int s, int opt, const char *group, unsigned ifindex) {
  struct ipv6_mreq m;
  memset(&m, 0, sizeof m);
  inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr);
  m.ipv6mr_interface = ifindex;
  return setsockopt(s, SOL_IPV6, opt, &m, sizeof m);
}
int main(void) {
  int s = udp6_bound(ANY6, 20200);
  SHOW(mreq(s, IPV6_JOIN_GROUP, "ff02::1:3", 0));
  SHOW(mreq(s, IPV6_JOIN_GROUP, "ff02::1:3", 0));
  SHOW(mreq(s, IPV6_ADD_MEMBERSHIP, "ff05::114", 0));
  SHOW(mreq(s, IPV6_JOIN_GROUP, "2001:db8::1", 0));
  SHOW(mreq(s, IPV6_JOIN_GROUP, "ff02::9", 9999));
  struct ipv6_mreq m;
  memset(&m, 0, sizeof m);
  SHOW(setsockopt(s, SOL_IPV6, IPV6_JOIN_GROUP, &m, sizeof m - 1));
  SHOW(mreq(s, IPV6_LEAVE_GROUP, "ff02::1:3", 0));
  SHOW(mreq(s, IPV6_LEAVE_GROUP, "ff02::1:3", 0));
  SHOW(mreq(s, IPV6_DROP_MEMBERSHIP, "ff05::114", 0));
  SHOW(mreq(s, IPV6_LEAVE_GROUP, "ff0e::42", 0));
  SHOW_OPT(s, SOL_IPV6, IPV6_MULTICAST_IF);
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_IF, 0));
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_IF, 9999));
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_HOPS, 5));
  SHOW_OPT(s, SOL_IPV6, IPV6_MULTICAST_HOPS);
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_HOPS, 256));
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_HOPS, -1));
  SHOW_OPT(s, SOL_IPV6, IPV6_MULTICAST_HOPS);
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_LOOP, 0));
  SHOW_OPT(s, SOL_IPV6, IPV6_MULTICAST_LOOP);
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_LOOP, 2));
  SHOW_OPT(s, SOL_IPV6, IPV6_MULTICAST_LOOP);
  SHOW(mreq(s, IPV6_JOIN_GROUP, "ff02::1:3", 0));
  peer_send6(US6, 20200, 20201, 64, 0, "unicast to a member");
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  return 0;
}
