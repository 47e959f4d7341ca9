/* TCP_SYNCNT 1 to the silent port: connect gives up after one retry
 * (about 3 s) with ETIMEDOUT. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SHOW(set_int(s, IPPROTO_TCP, TCP_SYNCNT, 1));
  struct sockaddr_in a = sin_of(PEER, SILENT_PORT);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  SHOW(connect(s, SA(a), sizeof a));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  SAY("took %s", ms >= 2000 && ms < 8000 ? "2 to 8 s" : ms < 2000 ? "under 2 s" : "8 s or more");
  return 0;
}
