/* a client connects, writes and closes before the server accepts: the data, then EOF. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "l");
  int l = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(l, (struct sockaddr*)&a, la));
  SHOW(listen(l, 4));
  int c = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c, (struct sockaddr*)&a, la));
  SHOW(write(c, "bye", 3));
  SHOW(close(c));
  int s = SHOW(accept(l, NULL, NULL));
  char buf[16];
  long n = read(s, buf, sizeof buf);
  show_data("read", buf, n);
  SHOW(read(s, buf, sizeof buf));
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  return 0;
}
