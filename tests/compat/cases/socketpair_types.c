/* socketpair of each type: data both ways, names, and the unsupported cases. */
#include "../compat.h"
static void exercise(int type, const char* name) {
  int sv[2];
  SAY("-- %s", name);
  if (SHOW(socketpair(AF_UNIX, type, 0, sv)) < 0) return;
  char buf[16];
  SHOW(write(sv[0], "ping", 4));
  long n = read(sv[1], buf, sizeof buf);
  show_data("read", buf, n);
  SHOW(write(sv[1], "pong!", 5));
  n = read(sv[0], buf, sizeof buf);
  show_data("read", buf, n);
  struct sockaddr_un sun;
  socklen_t len = sizeof sun;
  SHOW(getsockname(sv[0], (struct sockaddr*)&sun, &len));
  SAY("sockname len %d", (int)len);
  len = sizeof sun;
  SHOW(getpeername(sv[0], (struct sockaddr*)&sun, &len));
  SAY("peername len %d", (int)len);
  int t = 0;
  len = sizeof t;
  SHOW(getsockopt(sv[1], SOL_SOCKET, SO_TYPE, &t, &len));
  SAY("SO_TYPE %d", t);
  close(sv[0]);
  close(sv[1]);
}
int main(void) {
  exercise(SOCK_STREAM, "stream");
  exercise(SOCK_DGRAM, "dgram");
  exercise(SOCK_SEQPACKET, "seqpacket");
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_RAW, 0, sv));
  SHOW(socketpair(AF_UNIX, SOCK_STREAM, 5, sv));
  SHOW(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
  SHOW(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
  SHOW(fcntl(sv[1], F_GETFD));
  return 0;
}
