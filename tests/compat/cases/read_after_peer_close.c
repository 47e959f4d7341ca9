/* reading after the peer closed: queued data first, then 0, again and again. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(write(c, "last words", 10));
  SHOW(close(c));
  char buf[32];
  long n = read(a, buf, 4);
  show_data("read", buf, n);
  n = read(a, buf, sizeof buf);
  show_data("read", buf, n);
  SHOW(read(a, buf, sizeof buf));
  SHOW(read(a, buf, sizeof buf));
  SHOW(recv(a, buf, sizeof buf, MSG_DONTWAIT));
  return 0;
}
