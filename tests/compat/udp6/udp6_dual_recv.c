/* A [::] socket without V6ONLY gets IPv4 datagrams: recvfrom gives the
 * sender as ::ffff:a.b.c.d (sockaddr_in6, 28 bytes, flowinfo and scope
 * zero), from the peer over the link and from 127.0.0.1; it answers them
 * with sendto to the mapped address; IPV6_RECVPKTINFO on such a datagram;
 * a V6ONLY socket on the same port of the other family: only IPv6 reaches
 * it. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_bound(ANY6, 20260);
  show_name6("s", s);
  peer_send6(US, 20260, 20261, 64, 0, "v4 from the peer");
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  int l = udp_socket();
  SENDTO(l, "v4 over lo", LOOP, 20260);
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  SENDTO(l, "v4 to 198.18.0.2", US, 20260);
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  peer_send6(US6, 20260, 20261, 64, 0, "v6 from the peer");
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  /* answer to the mapped address: the peer's echo */
  SENDTO6(s, "to the mapped echo", MAPPED_PEER, ECHO_PORT);
  await(s, POLLIN);
  show_recvfrom6("s", s, MSG_DONTWAIT);
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVPKTINFO, 1));
  SHOW(set_int(s, SOL_IPV6, IPV6_RECVHOPLIMIT, 1));
  SENDTO(l, "v4 with cmsgs", LOOP, 20260);
  await(s, POLLIN);
  show_recvmsg6("mapped cmsgs", s, MSG_DONTWAIT, 256);
  SHOW(set_int(s, SOL_IP, IP_PKTINFO, 1));
  peer_send6(US, 20260, 20261, 64, 0, "v4 with IP_PKTINFO too");
  await(s, POLLIN);
  show_recvmsg6("mapped ip cmsgs", s, MSG_DONTWAIT, 256);
  /* V6ONLY on one port, IPv4 on the same port */
  int o = udp6_socket();
  SHOW(set_int(o, SOL_IPV6, IPV6_V6ONLY, 1));
  struct sockaddr_in6 oa = sin6_of(ANY6, 20262);
  SHOW(bind(o, SA(oa), sizeof oa));
  int f = udp_bound("0.0.0.0", 20262);
  peer_send6(US, 20262, 20263, 64, 0, "v4 to the v6only port");
  peer_send6(US6, 20262, 20263, 64, 0, "v6 to the v6only port");
  await(o, POLLIN);
  await(f, POLLIN);
  drain6("o", o);
  drain("f", f);
  return 0;
}
