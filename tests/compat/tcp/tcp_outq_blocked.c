/* SIOCOUTQ with the peer's window closed: bytes stay counted; TCP_INFO
 * notsent_bytes counts the part not yet sent (as a ratio, not exactly). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  set_nonblock(s, 1);
  static char b[4096];
  long total = 0;
  for (int i = 0; i < 100000; i++) {
    ssize_t n = send(s, b, sizeof b, 0);
    if (n < 0) {
      if (!(await_ms(s, POLLOUT, 300) & POLLOUT)) break;
      continue;
    }
    total += n;
  }
  int q = -1, nsd = -1;
  SHOW(ioctl(s, SIOCOUTQ, &q));
  SHOW(ioctl(s, SIOCOUTQNSD, &nsd));
  SAY("SIOCOUTQ > 0: %s, SIOCOUTQNSD > 0: %s, SIOCOUTQ <= sent: %s", q > 0 ? "yes" : "no",
      nsd > 0 ? "yes" : "no", q <= total ? "yes" : "no");
  struct tcp_info ti;
  SHOW(tcp_info_of(s, &ti));
  SAY("notsent > 0: %s, notsent == SIOCOUTQNSD: %s", ti.tcpi_notsent_bytes > 0 ? "yes" : "no",
      (int)ti.tcpi_notsent_bytes == nsd ? "yes" : "no");
  return 0;
}
