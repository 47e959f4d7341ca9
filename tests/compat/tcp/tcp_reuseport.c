/* SO_REUSEPORT: two listeners on one port (both set it) are allowed; one
 * without it is not; get/set of the option. */
#include "tcp_compat.h"
int main(void) {
  struct sockaddr_in me = sin_of(US, 20181);
  int a = tcp_socket(), b = tcp_socket(), c = tcp_socket();
  SHOW_OPT(a, SOL_SOCKET, SO_REUSEPORT);
  SHOW(set_int(a, SOL_SOCKET, SO_REUSEPORT, 1));
  SHOW(set_int(b, SOL_SOCKET, SO_REUSEPORT, 1));
  SHOW_OPT(a, SOL_SOCKET, SO_REUSEPORT);
  SHOW(bind(a, SA(me), sizeof me));
  SHOW(listen(a, 4));
  SHOW(bind(b, SA(me), sizeof me));
  SHOW(listen(b, 4));
  SHOW(bind(c, SA(me), sizeof me));
  PEER_SHOW("connect " US " 20181 hold 3000");
  msleep(200);
  set_nonblock(a, 1);
  set_nonblock(b, 1);
  int n = 0;
  if (accept(a, NULL, NULL) >= 0) n++;
  if (accept(b, NULL, NULL) >= 0) n++;
  SAY("accepted by one of them: %d", n);
  return 0;
}
