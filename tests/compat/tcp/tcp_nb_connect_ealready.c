/* Nonblocking connect to the silent port (SYNs dropped): EINPROGRESS, a
 * second connect EALREADY, nothing polls for a while, SO_ERROR still 0;
 * connect elsewhere meanwhile is EALREADY too. */
#include "tcp_compat.h"
int main(void) {
  int s = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  struct sockaddr_in a = sin_of(PEER, SILENT_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  SHOW(connect(s, SA(a), sizeof a));
  struct sockaddr_in e = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  poll_show("s for 300 ms", s, POLLIN | POLLOUT | POLLRDHUP, 300);
  show_select("s", s, 100);
  show_so_error("s", s);
  show_tcp_state("s", s);
  show_name("s", s);
  show_peer("s", s);
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  SHOW(recv(s, (char[4]){0}, 4, 0));
  close(s);
  return 0;
}
