/* Blocking connect to the silent port with SO_SNDTIMEO 400 ms: Linux gives
 * up waiting with EINPROGRESS and the attempt goes on (EALREADY). */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  struct timeval tv = {0, 400000};
  SHOW(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  struct sockaddr_in a = sin_of(PEER, SILENT_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  SHOW(connect(s, SA(a), sizeof a));
  show_tcp_state("s", s);
  poll_show("s", s, POLLIN | POLLOUT, 100);
  close(s);
  return 0;
}
