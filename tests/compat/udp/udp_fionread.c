/* FIONREAD / SIOCINQ on UDP is the size of the next datagram (not the sum);
 * SIOCOUTQ is what is still queued to send (0 once sent). */
#include "udp_compat.h"
#include <linux/sockios.h>
int main(void) {
  int r = udp_bound(LOOP, 20210), s = udp_socket();
  int n = -1;
  SHOW(ioctl(r, FIONREAD, &n));
  SAY("FIONREAD empty: %d", n);
  SENDTO(s, "ten bytes!", LOOP, 20210);
  SENDTO(s, "twenty bytes, this..", LOOP, 20210);
  await(r, POLLIN);
  sleep_ms(50);
  SHOW(ioctl(r, FIONREAD, &n));
  SAY("FIONREAD: %d", n);
  SHOW(ioctl(r, SIOCINQ, &n));
  SAY("SIOCINQ: %d", n);
  char buf[64];
  SHOW(recv(r, buf, sizeof buf, 0));
  await(r, POLLIN);
  SHOW(ioctl(r, FIONREAD, &n));
  SAY("FIONREAD: %d", n);
  SHOW(recv(r, buf, sizeof buf, 0));
  SHOW(ioctl(r, FIONREAD, &n));
  SAY("FIONREAD: %d", n);
  n = -1;
  SHOW(ioctl(s, SIOCOUTQ, &n));
  SAY("SIOCOUTQ: %d", n);
  return 0;
}
