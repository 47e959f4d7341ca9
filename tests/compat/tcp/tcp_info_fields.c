/* TCP_INFO fields both stacks must agree on: state, options, MSS values,
 * window scales, counters on an idle connection after a small exchange.
 * The connection pins "cubic": the machine's default (bbr) grows snd_cwnd
 * by its own rules, and the stack has no bbr. */
#include "tcp_compat.h"
static void show(const char *label, int s) {
  struct tcp_info ti;
  socklen_t l = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0) { say("TCP_INFO = -1 %s", errname(errno)); return; }
  SAY("%s: state %s ca_state %u retransmits %u probes %u backoff %u", label, tcp_state_str(ti.tcpi_state),
      ti.tcpi_ca_state, ti.tcpi_retransmits, ti.tcpi_probes, ti.tcpi_backoff);
  SAY("%s: options ts %d sack %d wscale %d ecn %d; snd_wscale %u rcv_wscale %u", label,
      !!(ti.tcpi_options & TCPI_OPT_TIMESTAMPS), !!(ti.tcpi_options & TCPI_OPT_SACK),
      !!(ti.tcpi_options & TCPI_OPT_WSCALE), !!(ti.tcpi_options & TCPI_OPT_ECN), ti.tcpi_snd_wscale,
      ti.tcpi_rcv_wscale);
  SAY("%s: snd_mss %u rcv_mss %u advmss %u pmtu %u", label, ti.tcpi_snd_mss, ti.tcpi_rcv_mss, ti.tcpi_advmss,
      ti.tcpi_pmtu);
  SAY("%s: unacked %u sacked %u lost %u retrans %u total_retrans %u", label, ti.tcpi_unacked, ti.tcpi_sacked,
      ti.tcpi_lost, ti.tcpi_retrans, ti.tcpi_total_retrans);
  SAY("%s: snd_cwnd %u bytes_acked %llu bytes_received %llu segs_out>0 %d notsent %u", label, ti.tcpi_snd_cwnd,
      (unsigned long long)ti.tcpi_bytes_acked, (unsigned long long)ti.tcpi_bytes_received, ti.tcpi_segs_out > 0,
      ti.tcpi_notsent_bytes);
  SAY("%s: rto in 200..3000 ms: %s, rtt < 200 ms: %s", label,
      ti.tcpi_rto >= 200000 && ti.tcpi_rto <= 3000000 ? "yes" : "no", ti.tcpi_rtt < 200000 ? "yes" : "no");
}
int main(void) {
  int f = tcp_socket();
  struct tcp_info ti;
  SHOW(tcp_info_of(f, &ti));
  SAY("fresh: state %s", tcp_state_str(ti.tcpi_state));
  int s = tcp_socket();
  MUST(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  MUST(connect(s, SA(a), sizeof a));
  show("connected", s);
  SHOW(send(s, "12345", 5, 0));
  char b[8];
  SHOW(recv_n(s, b, 5, 3000));
  msleep(100);
  show("after 5 bytes each way", s);
  socklen_t l = 8;
  SHOW(getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &l));
  SAY("short TCP_INFO len %u", (unsigned)l);
  return 0;
}
