/* shutdown(SHUT_RD): reads give 0 at once, the peer's writes fail with EPIPE. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(shutdown(a, SHUT_RD));
  char buf[8];
  SHOW(read(a, buf, sizeof buf));
  sleep_ms(50);
  SHOW(send(c, "x", 1, MSG_NOSIGNAL));
  SHOW(write(a, "back", 4));
  long n = read(c, buf, sizeof buf);
  show_data("client read", buf, n);
  return 0;
}
