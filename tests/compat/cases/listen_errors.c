/* listen on an unbound stream socket, on a datagram socket, on a connected one. */
#include "../compat.h"
int main(void) {
  int s = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(listen(s, 1));
  int d = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(listen(d, 1));
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  SHOW(listen(sv[0], 1));
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(listen(l, 3)); /* again: new backlog */
  return 0;
}
