/* Accept queue overflow: backlog 1 holds two connections (Linux: backlog + 1);
 * the third peer connection waits (its SYN or final ACK dropped) and is
 * accepted once there is room. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20133, 1);
  set_nonblock(l, 1);
  PEER_SHOW("connect " US " 20133 hold 2000");
  PEER_SHOW("connect " US " 20133 hold 2000");
  msleep(300);
  CKOKL("accept 1", accept(l, NULL, NULL));
  CKOKL("accept 2", accept(l, NULL, NULL));
  SHOW(accept(l, NULL, NULL));
  PEER_SHOW("connect " US " 20133 hold 2000");
  PEER_SHOW("connect " US " 20133 hold 2000");
  PEER_SHOW("connect " US " 20133 hold 200");
  msleep(300);
  int n = 0;
  for (int i = 0; i < 10; i++) {
    if (accept(l, NULL, NULL) >= 0) n++;
    else break;
  }
  SAY("accepted at once: %d", n);
  for (int i = 0; i < 60 && n < 3; i++) {
    await_ms(l, POLLIN, 200);
    if (accept(l, NULL, NULL) >= 0) n++;
  }
  SAY("accepted in the end: %d", n);
  return 0;
}
