/* ICMPv6 ping sockets, the calls that fail: a request shorter than the
 * ICMPv6 header EINVAL, an AF_INET name EAFNOSUPPORT or EINVAL as Linux
 * says, a short name EINVAL, binding a foreign address EADDRNOTAVAIL (after
 * which Linux refuses any bind of that socket: EINVAL), a bound socket's
 * second bind EINVAL; a ping socket's options; an echo after all that. */
#include "udp6_compat.h"
int main(void) {
  int s = (int)CKOK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  if (s < 0) return 0;
  struct sockaddr_in6 p = sin6_of(PEER6, 0);
  unsigned char req[8] = {ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 1};
  SHOW(sendto(s, req, 4, 0, SA(p), sizeof p));
  SHOW(sendto(s, req, 8, 0, SA(p), 20));
  struct sockaddr_in v4 = sin_of(PEER, 0);
  SHOW(sendto(s, req, 8, 0, SA(v4), sizeof v4));
  SHOW(sendto(s, req, 8, 0, NULL, 0));
  struct sockaddr_in6 f = sin6_of(FOREIGN6, 0);
  SHOW(bind(s, SA(f), sizeof f));
  struct sockaddr_in6 b = sin6_of(ANY6, 4321);
  SHOW(bind(s, SA(b), sizeof b));
  int t = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  SHOW(bind(t, SA(b), sizeof b));
  struct sockaddr_in6 bu = sin6_of(US6, 4322);
  SHOW(bind(t, SA(bu), sizeof bu));
  show_name6("t", t);
  SHOW_OPT(t, SOL_IPV6, IPV6_UNICAST_HOPS);
  SHOW_OPT(t, SOL_IPV6, IPV6_V6ONLY);
  SHOW_OPT(t, SOL_SOCKET, SO_TYPE);
  SHOW_OPT(t, SOL_SOCKET, SO_PROTOCOL);
  SHOW(sendto(t, req, 8, 0, SA(p), sizeof p));
  await(t, POLLIN);
  unsigned char r[64];
  struct sockaddr_in6 from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(t, r, sizeof r, MSG_DONTWAIT, SA(from), &fl);
  SAY("reply %zd type %u from %s", n, n > 0 ? r[0] : 0, n > 0 ? in6_str(&from, fl) : "-");
  return 0;
}
