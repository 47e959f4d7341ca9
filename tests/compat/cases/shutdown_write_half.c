/* shutdown(SHUT_WR): the peer reads the data then EOF, and can still answer. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(write(c, "question", 8));
  SHOW(shutdown(c, SHUT_WR));
  char buf[32];
  long n = read(a, buf, sizeof buf);
  show_data("server read", buf, n);
  SHOW(read(a, buf, sizeof buf));
  SHOW(write(a, "answer", 6));
  SHOW(shutdown(a, SHUT_WR));
  n = read(c, buf, sizeof buf);
  show_data("client read", buf, n);
  SHOW(read(c, buf, sizeof buf));
  SHOW(send(c, "more", 4, MSG_NOSIGNAL));
  SHOW(shutdown(c, 7));
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW(shutdown(u, SHUT_RDWR));
  return 0;
}
