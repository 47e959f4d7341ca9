/* Zero-length send and recv on a connected socket: recv of 0 bytes with
 * nothing queued is EAGAIN (MSG_DONTWAIT), with data queued 0; at EOF 0. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  SHOW(send(s, "", 0, 0));
  SHOW(recv(s, (char[1]){0}, 0, MSG_DONTWAIT));
  PEER_SHOW("text 11 x");
  await_ms(s, POLLIN, 3000);
  SHOW(recv(s, (char[1]){0}, 0, MSG_DONTWAIT));
  SHOW(recv(s, (char[1]){0}, 0, 0));
  PEER_SHOW("shut 11");
  await_ms(s, POLLRDHUP, 3000);
  show_recv("s", s, 64, 0);
  SHOW(recv(s, (char[1]){0}, 0, 0));
  SHOW(recv(s, (char[1]){0}, 0, MSG_DONTWAIT));
  return 0;
}
