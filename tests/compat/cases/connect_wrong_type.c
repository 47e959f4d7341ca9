/* a stream socket connecting to a datagram name, and the reverse: EPROTOTYPE. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a, b;
  socklen_t la = path_name(&a, "d"), lb = path_name(&b, "l");
  int d = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(bind(d, (struct sockaddr*)&a, la));
  int s = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(s, (struct sockaddr*)&a, la));
  int l = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(l, (struct sockaddr*)&b, lb));
  SHOW(listen(l, 1));
  int d2 = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(connect(d2, (struct sockaddr*)&b, lb));
  SHOW(sendto(d2, "x", 1, 0, (struct sockaddr*)&b, lb));
  return 0;
}
