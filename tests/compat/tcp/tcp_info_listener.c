/* TCP_INFO on a listener: state LISTEN, unacked = queued connections,
 * sacked = the backlog. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20151, 5);
  struct tcp_info ti;
  SHOW(tcp_info_of(l, &ti));
  SAY("state %s unacked %u sacked %u", tcp_state_str(ti.tcpi_state), ti.tcpi_unacked, ti.tcpi_sacked);
  PEER_SHOW("connect " US " 20151 hold 3000");
  PEER_SHOW("connect " US " 20151 hold 3000");
  msleep(200);
  SHOW(tcp_info_of(l, &ti));
  SAY("state %s unacked %u sacked %u", tcp_state_str(ti.tcpi_state), ti.tcpi_unacked, ti.tcpi_sacked);
  return 0;
}
