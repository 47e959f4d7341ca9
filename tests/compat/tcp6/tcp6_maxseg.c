/* TCP_MAXSEG over IPv6: 536 before a connection, the MSS toward the peer
 * over the 1500-byte link once connected (1440 less the timestamp option),
 * the same on the accepted end of a connection from the peer; over ::1 the
 * loopback's; a TCP_MAXSEG set before connect bounds it; out of range
 * values EINVAL. */
#include "tcp6_compat.h"
int main(void) {
  int s = tcp6_socket();
  SHOW_OPT(s, IPPROTO_TCP, TCP_MAXSEG);
  struct sockaddr_in6 e = sin6_of(PEER6, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  SHOW_OPT(s, IPPROTO_TCP, TCP_MAXSEG);
  struct tcp_info ti;
  if (tcp_info_of(s, &ti) == 0) SAY("TCP_INFO snd_mss %u advmss %u pmtu %u", ti.tcpi_snd_mss, ti.tcpi_advmss, ti.tcpi_pmtu);
  close(s);
  int l = tcp6_listener(US6, 20320, 4, -1);
  PEER_SHOW("connect " US6 " 20320 hold 3000");
  int a = show_accept6("l", l);
  SHOW_OPT(a, IPPROTO_TCP, TCP_MAXSEG);
  SHOW_OPT(l, IPPROTO_TCP, TCP_MAXSEG);
  int m = tcp6_socket();
  SHOW(set_int(m, IPPROTO_TCP, TCP_MAXSEG, 1000));
  SHOW_OPT(m, IPPROTO_TCP, TCP_MAXSEG);
  SHOW(connect(m, SA(e), sizeof e));
  SHOW_OPT(m, IPPROTO_TCP, TCP_MAXSEG);
  SHOW(set_int(m, IPPROTO_TCP, TCP_MAXSEG, 87));
  SHOW(set_int(m, IPPROTO_TCP, TCP_MAXSEG, 32768));
  SHOW(set_int(m, IPPROTO_TCP, TCP_MAXSEG, 88));
  int srv;
  int c = loop6_pair(20321, &srv);
  SHOW_OPT(c, IPPROTO_TCP, TCP_MAXSEG);
  SHOW_OPT(srv, IPPROTO_TCP, TCP_MAXSEG);
  return 0;
}
