/* abstract names: bind, in use, connect, no socket file, names read back. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a, got;
  socklen_t la = abstract_name(&a, "srv");
  int l = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(l, (struct sockaddr*)&a, la));
  int l2 = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(l2, (struct sockaddr*)&a, la));
  SHOW(listen(l, 2));
  socklen_t gl = sizeof got;
  SHOW(getsockname(l, (struct sockaddr*)&got, &gl));
  SAY("same length %d same bytes %d", gl == la, memcmp(&got, &a, la) == 0);
  int c = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c, (struct sockaddr*)&a, la));
  int s = SHOW(accept(l, NULL, NULL));
  SHOW(write(c, "abs", 3));
  char buf[8];
  long n = read(s, buf, sizeof buf);
  show_data("read", buf, n);
  gl = sizeof got;
  SHOW(getpeername(c, (struct sockaddr*)&got, &gl));
  SAY("peer same %d", gl == la && memcmp(&got, &a, la) == 0);
  SHOW(close(l));
  struct sockaddr_un other;
  socklen_t lo = abstract_name(&other, "nobody");
  int c2 = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c2, (struct sockaddr*)&other, lo));
  SHOW(bind(l2, (struct sockaddr*)&a, la));
  return 0;
}
