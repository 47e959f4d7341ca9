/* ICMPv6 ping sockets' names and binds beyond udp6_ping/udp6_ping_errors:
 * connect chooses the source; connected to port 0 there is no peer name
 * (ENOTCONN), to a port there is; AF_UNSPEC gives back an identifier
 * connect took; SO_REUSEADDR starts on, and an identifier is shared only
 * between sockets that both keep it, across the families (Linux's one ping
 * table: an IPv4 ping socket's identifier counts); bind's checks (28 bytes,
 * multicast, v4-mapped, link-local without scope id) before "already
 * bound"; v4-mapped destinations; IPV6_V6ONLY may change until the
 * identifier is taken; a raw ICMPv6 socket's name carries its protocol.
 * Identifiers the kernel picks are not printed (one rover for all namespaces). */
#include "udp6_compat.h"

static void show_id6(const char *label, int s) {
  struct sockaddr_in6 a;
  socklen_t l = sizeof a;
  MUST(getsockname(s, SA(a), &l));
  char ip[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip);
  SAY("getsockname(%s) = %s, identifier %s", label, ip, a.sin6_port ? "nonzero" : "0");
}
int main(void) {
  int c = (int)CKOK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  if (c < 0) return 0;
  SHOW_OPT(c, SOL_SOCKET, SO_REUSEADDR);
  struct sockaddr_in6 p = sin6_of(PEER6, 0), p7 = sin6_of(PEER6, 7);
  SHOW(connect(c, SA(p), sizeof p));
  show_id6("c connected", c);
  show_peer6("c connected to port 0", c);
  SHOW(connect(c, SA(p7), sizeof p7));
  show_peer6("c connected to port 7", c);
  struct sockaddr_in6 un = sin6_of(ANY6, 0);
  un.sin6_family = AF_UNSPEC;
  SHOW(connect(c, SA(un), sizeof un));
  show_id6("c disconnected", c);
  show_peer6("c disconnected", c);
  struct sockaddr_in6 a781 = sin6_of(ANY6, 20781);
  SHOW(bind(c, SA(a781), sizeof a781));
  SHOW(connect(c, SA(p), sizeof p));
  SHOW(connect(c, SA(un), sizeof un));
  show_name6("c bound, connected, disconnected", c);

  int v4 = (int)MUST(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
  struct sockaddr_in a4 = sin_of("0.0.0.0", 20782);
  SHOW(bind(v4, SA(a4), sizeof a4));
  struct sockaddr_in6 a782 = sin6_of(ANY6, 20782), u782 = sin6_of(US6, 20782);
  int e = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  int zero = 0;
  SHOW(setsockopt(e, SOL_SOCKET, SO_REUSEADDR, &zero, sizeof zero));
  SHOW(bind(e, SA(a782), sizeof a782));
  SHOW(bind(e, SA(a781), sizeof a781));
  int d = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  SHOW(bind(d, SA(u782), sizeof u782));

  int f = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  struct sockaddr_in6 us = sin6_of(US6, 0), mc = sin6_of("ff02::1", 0), ll = sin6_of("fe80::2", 0);
  struct sockaddr_in6 mus = sin6_of(MAPPED_US, 0), fo = sin6_of(FOREIGN6, 0);
  SHOW(bind(f, SA(us), 24));
  SHOW(bind(f, SA(mc), sizeof mc));
  SHOW(bind(f, SA(mus), sizeof mus));
  SHOW(bind(f, SA(ll), sizeof ll));
  SHOW(bind(f, SA(fo), sizeof fo));
  SHOW_OPT(f, SOL_IPV6, IPV6_V6ONLY);
  SHOW(setsockopt(f, SOL_IPV6, IPV6_V6ONLY, &zero, sizeof zero));
  SHOW_OPT(f, SOL_IPV6, IPV6_V6ONLY);
  SHOW(bind(f, SA(us), sizeof us));
  SHOW(setsockopt(f, SOL_IPV6, IPV6_V6ONLY, &zero, sizeof zero));
  SHOW(bind(f, SA(fo), sizeof fo));
  SHOW(bind(f, SA(us), sizeof us));
  show_id6("f", f);

  int g = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  unsigned char req[8] = {ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 1};
  struct sockaddr_in6 mp = sin6_of(MAPPED_PEER, 0);
  SHOW(sendto(g, req, sizeof req, 0, SA(mp), sizeof mp));
  SHOW(connect(g, SA(mp), sizeof mp));
  show_id6("g", g);

  int r = (int)CKOK(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
  if (r < 0) return 0;
  show_name6("raw", r);
  SHOW_OPT(r, SOL_SOCKET, SO_REUSEADDR);
  SHOW_OPT(r, SOL_IPV6, IPV6_V6ONLY);
  SHOW(connect(r, SA(p), sizeof p));
  show_name6("raw connected", r);
  show_peer6("raw connected to port 0", r);
  SHOW(connect(r, SA(p7), sizeof p7));
  show_peer6("raw connected to port 7", r);
  return 0;
}
