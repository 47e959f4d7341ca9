/* MSG_DONTWAIT on a blocking socket: EAGAIN with nothing queued; the data
 * once it is there; a blocking recv after it still blocks (SO_RCVTIMEO). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  SHOW(recv(s, (char[8]){0}, 8, MSG_DONTWAIT));
  SHOW(send(s, "abc", 3, MSG_DONTWAIT));
  await_ms(s, POLLIN, 3000);
  show_recv("s", s, 8, MSG_DONTWAIT);
  struct timeval tv = {0, 200000};
  SHOW(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  SHOW(recv(s, (char[8]){0}, 8, 0));
  return 0;
}
