/* Blocking connect to the silent port with TCP_USER_TIMEOUT 1500 ms: the
 * SYN retransmissions stop and connect fails with ETIMEDOUT within seconds. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW(set_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 1500));
  struct sockaddr_in a = sin_of(PEER, SILENT_PORT);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  SHOW(connect(s, SA(a), sizeof a));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  SAY("took %s", ms >= 1000 && ms < 6000 ? "1 to 6 s" : ms < 1000 ? "under 1 s" : "6 s or more");
  show_so_error("s", s);
  show_tcp_state("s", s);
  close(s);
  return 0;
}
