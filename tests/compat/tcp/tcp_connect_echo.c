/* Blocking connect to the peer's echo port: names before and after, data
 * there and back, the peer sees our FIN and answers with its own. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  show_name("s before", s);
  show_peer("s before", s);
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(a), sizeof a));
  show_name("s", s);
  show_peer("s", s);
  show_tcp_state("s", s);
  SHOW(send(s, "hello", 5, 0));
  char b[16];
  SHOW(recv_n(s, b, 5, 3000));
  SAY("data %s", data_str(b, 5));
  SHOW(shutdown(s, SHUT_WR));
  await_recv("s after SHUT_WR", s, 16, 0);
  PEER_SHOW("wait 7 eof");
  SHOW(close(s));
  return 0;
}
