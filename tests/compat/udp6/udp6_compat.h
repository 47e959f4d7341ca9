/* Helpers of the UDP-over-IPv6 compat cases (tests/compat/udp6): the IPv6
 * names of udp_compat.h's helpers (written once there for either family),
 * besides its IPv4 ones and the peer's command port, and inet6_compat.h's
 * addresses. run_udp_case.sh runs them with IPv6 on both sides: the
 * program is 2001:db8::2/64 besides 198.18.0.2/24 (and ::1, 127.0.0.1), the
 * kernel's udp_peer serves both 198.18.0.1 and 2001:db8::1 (echo 7, discard
 * 9, commands 5000; UDP-Lite echo 7; any other port: ICMPv6 port
 * unreachable). The IPv6 helpers print names of either family. */
#ifndef TUNSOCK_UDP6_COMPAT_H
#define TUNSOCK_UDP6_COMPAT_H

#include "../udp/udp_compat.h"
#include "../inet6_compat.h"

#include <netinet/icmp6.h>

static int udp6_socket(void) { return udp_socket_af(AF_INET6); }
static int udp6_bound(const char *ip, int port) { return udp_bound_af(AF_INET6, ip, port); }
static ssize_t send6_str(int fd, const char *data, const char *ip, int port) {
  return send_str_af(AF_INET6, fd, data, ip, port);
}
#define SENDTO6(fd, data, ip, port) \
  CKL("sendto(" #fd ", \"" data "\", [" #ip "]:" #port ")", send6_str(fd, data, ip, port))

static ssize_t show_recvfrom6(const char *label, int fd, int flags) {
  return show_recvfrom_af(AF_INET6, label, fd, flags);
}
static void drain6(const char *label, int fd) { drain_af(AF_INET6, label, fd, 100); }
static void show_peer_last6(const char *label) { show_peer_last(label); }
static void peer_send6(const char *dst, int dport, int sport, int hops, int tclass, const char *text) {
  peer_send_with(dst, dport, sport, hops, tclass, text);
}
static void show_cmsgs6(const char *label, struct msghdr *mh) { show_cmsgs_af(AF_INET6, label, mh); }
static ssize_t show_recvmsg6(const char *label, int fd, int flags, size_t csize) {
  return show_recvmsg_af(AF_INET6, label, fd, flags, csize);
}

#endif
