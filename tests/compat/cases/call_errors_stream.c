/* Calls in the wrong state on stream sockets: send/recv unconnected,
 * sendto with an address, connect twice, connect/accept on the wrong kind of
 * socket, shutdown with a bad how, operations on a listener. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a;
  socklen_t al;
  int l = listener_at(&a, &al, "l", SOCK_STREAM, 4);
  int u = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  char buf[8];
  SHOW(send(u, "x", 1, MSG_NOSIGNAL));
  SHOW(write(u, "x", 1));
  SHOW(sendto(u, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&a, al));
  SHOW(recv(u, buf, sizeof buf, MSG_DONTWAIT));
  SHOW(shutdown(u, SHUT_WR));
  SHOW(accept(u, NULL, NULL));
  int c = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c, (struct sockaddr *)&a, al));
  SHOW(connect(c, (struct sockaddr *)&a, al));
  SHOW(sendto(c, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&a, al));
  SHOW(listen(c, 1));
  SHOW(accept(c, NULL, NULL));
  SHOW(shutdown(c, 7));
  SHOW(shutdown(c, -1));
  SHOW(connect(l, (struct sockaddr *)&a, al));
  SHOW(send(l, "x", 1, MSG_NOSIGNAL));
  SHOW(recv(l, buf, sizeof buf, MSG_DONTWAIT));
  SHOW(shutdown(l, SHUT_RDWR));
  show_poll("listener after shutdown", l);
  struct sockaddr_in in;
  memset(&in, 0, sizeof in);
  in.sin_family = AF_INET;
  SHOW(connect(u, (struct sockaddr *)&in, sizeof in));
  SHOW(connect(u, (struct sockaddr *)&a, 1));
  SHOW(bind(u, (struct sockaddr *)&in, sizeof in));
  SHOW(send(12345, "x", 1, 0));
  int fd = (int)MUST(open("/dev/null", O_RDONLY));
  SHOW(send(fd, "x", 1, 0));
  SHOW(getsockname(fd, (struct sockaddr *)&a, &al));
  int u2 = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(read(u2, buf, sizeof buf)); /* blocking, last: EINVAL at once on Linux */
  return 0;
}
