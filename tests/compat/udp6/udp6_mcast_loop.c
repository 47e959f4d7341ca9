/* IPV6_MULTICAST_LOOP (default 1): a datagram sent to a group this host
 * joined comes back to its member sockets (and leaves on the link too); a
 * socket on another port hears nothing; a group nobody here joined is not
 * looped; with the option 0 nothing comes back; the all-nodes group
 * ff02::1 is every node's. The member joins on interface 0 (the route's
 * interface), the sender names none either. */
#include "udp6_compat.h"
static int join(int s, const char *group) {
  struct ipv6_mreq m;
  memset(&m, 0, sizeof m);
  inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr);
  return setsockopt(s, SOL_IPV6, IPV6_JOIN_GROUP, &m, sizeof m);
}
static void show_nothing(const char *label, int fd) {
  msleep(200);
  show_recvfrom6(label, fd, MSG_DONTWAIT);
}
int main(void) {
  int member = udp6_bound(ANY6, 20310);
  SHOW(join(member, "ff05::1:7"));
  int other = udp6_bound(ANY6, 20311);
  int s = udp6_bound(US6, 20312);
  SHOW_OPT(s, SOL_IPV6, IPV6_MULTICAST_LOOP);
  SHOW(send6_str(s, "looped", "ff05::1:7", 20310));
  await(member, POLLIN);
  show_recvfrom6("member", member, MSG_DONTWAIT);
  show_nothing("other", other);
  SHOW(send6_str(s, "to nobody here", "ff05::1:8", 20310));
  show_nothing("member after ff05::1:8", member);
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_LOOP, 0));
  SHOW(send6_str(s, "not looped", "ff05::1:7", 20310));
  show_nothing("member with the loop off", member);
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_LOOP, 1));
  SHOW(send6_str(s, "again", "ff05::1:7", 20310));
  await(member, POLLIN);
  show_recvfrom6("member again", member, MSG_DONTWAIT);
  SHOW(set_int(s, SOL_IPV6, IPV6_MULTICAST_HOPS, 1));
  SHOW(send6_str(s, "all nodes", "ff02::1", 20311));
  await(other, POLLIN);
  show_recvfrom6("other from ff02::1", other, MSG_DONTWAIT);
  show_nothing("member after ff02::1", member);
  return 0;
}
