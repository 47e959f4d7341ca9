/* Zero-length send and recv on a connected socket; recv of 0 bytes at EOF. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(GREET_PORT);
  SHOW(send(s, "", 0, 0));
  SHOW(recv(s, (char[1]){0}, 0, MSG_DONTWAIT));
  await_ms(s, POLLRDHUP, 3000);
  SHOW(recv(s, (char[1]){0}, 0, 0));
  show_recv("s", s, 64, 0);
  SHOW(recv(s, (char[1]){0}, 0, 0));
  return 0;
}
