/* O_NONBLOCK via fcntl and via SOCK_NONBLOCK: reads and accepts answer EAGAIN. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  char buf[8];
  SHOW(fcntl(a, F_GETFL) & O_NONBLOCK);
  SHOW(fcntl(a, F_SETFL, O_NONBLOCK));
  SHOW(fcntl(a, F_GETFL) & O_NONBLOCK);
  SHOW(read(a, buf, sizeof buf));
  SHOW(recv(a, buf, sizeof buf, 0));
  int on = 0;
  SHOW(ioctl(a, FIONBIO, &on));
  SHOW(recv(a, buf, sizeof buf, MSG_DONTWAIT));
  int s = SHOW(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  SHOW(fcntl(s, F_GETFL) & O_NONBLOCK);
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  SHOW(bind(s, (struct sockaddr*)&sun, sizeof(sa_family_t)));
  SHOW(recv(s, buf, sizeof buf, 0));
  SHOW(read(s, buf, sizeof buf));
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv));
  SHOW(recv(sv[0], buf, sizeof buf, 0));
  return 0;
}
