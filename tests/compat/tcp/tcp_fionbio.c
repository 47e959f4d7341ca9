/* FIONBIO and O_NONBLOCK both make recv nonblocking; back to blocking. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  int on = 1;
  SHOW(ioctl(s, FIONBIO, &on));
  SHOW(recv(s, (char[8]){0}, 8, 0));
  SAY("O_NONBLOCK %s", fcntl(s, F_GETFL) & O_NONBLOCK ? "set" : "clear");
  on = 0;
  SHOW(ioctl(s, FIONBIO, &on));
  struct timeval tv = {0, 200000};
  MUST(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  SHOW(recv(s, (char[8]){0}, 8, 0));
  return 0;
}
