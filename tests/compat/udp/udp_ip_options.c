/* The SOL_IP options a UDP socket has on Linux, their defaults and what
 * getsockopt answers (value and length), set and read back. (Multicast
 * interface and membership: udp_multicast.) */
#include "udp_compat.h"
#ifndef IP_RECVFRAGSIZE
#define IP_RECVFRAGSIZE 25
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef IP_CHECKSUM
#define IP_CHECKSUM 23
#endif
static void roundtrip(const char *label, int fd, int name, int v) {
  int r = set_int(fd, SOL_IP, name, v);
  if (r < 0) { say("setsockopt(%s, %d) = -1 %s", label, v, errname(errno)); return; }
  show_opt(label, fd, SOL_IP, name);
}
#define OPT(name) show_opt(#name, s, SOL_IP, name)
#define RT(name, v) roundtrip(#name, s, name, v)
int main(void) {
  int s = udp_socket();
  OPT(IP_OPTIONS);
  OPT(IP_RECVOPTS);
  OPT(IP_RETOPTS);
  OPT(IP_MULTICAST_TTL);
  OPT(IP_MULTICAST_LOOP);
  OPT(IP_MULTICAST_ALL);
  OPT(IP_FREEBIND);
  OPT(IP_TRANSPARENT);
  OPT(IP_BIND_ADDRESS_NO_PORT);
  OPT(IP_RECVORIGDSTADDR);
  OPT(IP_MINTTL);
  OPT(IP_NODEFRAG);
  OPT(IP_CHECKSUM);
  OPT(IP_PASSSEC);
  OPT(IP_RECVFRAGSIZE);
  OPT(IP_PKTOPTIONS);
  OPT(IP_HDRINCL);
  RT(IP_MULTICAST_TTL, 5);
  RT(IP_MULTICAST_TTL, 256);
  RT(IP_MULTICAST_TTL, -1);
  RT(IP_MULTICAST_LOOP, 0);
  RT(IP_FREEBIND, 1);
  RT(IP_RECVORIGDSTADDR, 1);
  RT(IP_MINTTL, 30);
  RT(IP_MINTTL, 256);
  RT(IP_MINTTL, -1);
  RT(IP_BIND_ADDRESS_NO_PORT, 1);
  unsigned char opts[40];
  socklen_t l = sizeof opts;
  if (getsockopt(s, SOL_IP, IP_OPTIONS, opts, &l) < 0) say("IP_OPTIONS: -1 %s", errname(errno));
  else say("IP_OPTIONS: len %u", (unsigned)l);
  return 0;
}
