/* FIONREAD: bytes waiting on a stream; size of the next datagram; 0 when empty. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  int n = -1;
  SHOW(ioctl(a, FIONREAD, &n));
  SAY("stream empty: %d", n);
  write(c, "12345", 5);
  write(c, "678", 3);
  await(a, POLLIN);
  sleep_ms(50);
  SHOW(ioctl(a, FIONREAD, &n));
  SAY("stream: %d", n);
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  SHOW(ioctl(sv[1], FIONREAD, &n));
  SAY("dgram empty: %d", n);
  send(sv[0], "abcd", 4, 0);
  send(sv[0], "efghijk", 7, 0);
  await(sv[1], POLLIN);
  sleep_ms(50);
  SHOW(ioctl(sv[1], FIONREAD, &n));
  SAY("dgram: %d", n);
  return 0;
}
