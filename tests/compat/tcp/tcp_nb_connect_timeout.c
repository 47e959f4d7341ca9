/* Nonblocking connect to the silent port with TCP_USER_TIMEOUT 1000 ms:
 * once it gives up, POLLOUT|POLLERR|POLLHUP and SO_ERROR ETIMEDOUT once. */
#include "tcp_compat.h"
int main(void) {
  int s = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  SHOW(set_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 1000));
  struct sockaddr_in a = sin_of(PEER, SILENT_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  short r = await_ms(s, POLLOUT, 8000);
  SAY("after waiting: %s", revents_str(r));
  show_poll_now("s", s);
  show_so_error("s", s);
  show_so_error("s again", s);
  show_tcp_state("s", s);
  close(s);
  return 0;
}
