/* A listener on our address: the peer connects, accept gives its address,
 * data both ways, the peer closes. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20130, 4);
  show_name("l", l);
  show_peer("l", l);
  PEER_SHOW("connect " US " 20130 echo 3000");
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  int c = (int)CKOK(accept(l, SA(from), &fl));
  SAY("from %s", in_str(&from, fl));
  show_name("c", c);
  show_peer("c", c);
  show_tcp_state("c", c);
  SHOW(send(c, "hi peer", 7, 0));
  char b[16];
  SHOW(recv_n(c, b, 7, 3000));
  SAY("echo %s", data_str(b, 7));
  PEER_SHOW("close out");
  await_ms(c, POLLRDHUP, 3000);
  show_recv("c", c, 16, 0);
  return 0;
}
