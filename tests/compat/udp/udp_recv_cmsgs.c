/* IP_PKTINFO, IP_RECVTTL and IP_RECVTOS: off by default; on, each datagram
 * carries them (from the peer over the link, and over 127.0.0.1), in
 * Linux's order; too small a control buffer sets MSG_CTRUNC. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound("0.0.0.0", 20190);
  SHOW_OPT(r, SOL_IP, IP_PKTINFO);
  SHOW_OPT(r, SOL_IP, IP_RECVTTL);
  SHOW_OPT(r, SOL_IP, IP_RECVTOS);
  peer_send(US, 20190, 5002, "plain");
  await(r, POLLIN);
  show_recvmsg("r", r, 0, 512);
  SHOW(set_int(r, SOL_IP, IP_PKTINFO, 1));
  SHOW(set_int(r, SOL_IP, IP_RECVTTL, 1));
  SHOW(set_int(r, SOL_IP, IP_RECVTOS, 1));
  SHOW_OPT(r, SOL_IP, IP_PKTINFO);
  const char *a = peer_cmd("send %s 20190 5003 33 32 1 0 from peer", US);
  SAY("peer: %s", a);
  await(r, POLLIN);
  show_recvmsg("r", r, 0, 512);
  int s = udp_socket();
  MUST(set_int(s, SOL_IP, IP_TTL, 7));
  MUST(set_int(s, SOL_IP, IP_TOS, 0x04));
  SENDTO(s, "over lo", LOOP, 20190);
  await(r, POLLIN);
  show_recvmsg("r", r, 0, 512);
  SENDTO(s, "to us", US, 20190);
  await(r, POLLIN);
  show_recvmsg("r", r, 0, 512);
  SENDTO(s, "small control", LOOP, 20190);
  await(r, POLLIN);
  show_recvmsg("r", r, 0, CMSG_SPACE(sizeof(struct in_pktinfo)) + 4);
  SHOW(set_int(r, SOL_IP, IP_PKTINFO, 0));
  SENDTO(s, "ttl and tos only", LOOP, 20190);
  await(r, POLLIN);
  show_recvmsg("r", r, 0, 512);
  return 0;
}
