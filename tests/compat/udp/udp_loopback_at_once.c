/* A datagram to a socket of this host is queued there when sendto returns:
 * a read that does not block, FIONREAD and poll see it at once, with no
 * wait in between (over 127.0.0.1 and over the host's own link address). */
#include "udp_compat.h"
#include <sys/ioctl.h>
static void at_once(const char *to, int port) {
  int r = udp_bound(to, port), s = udp_bound(to, port + 1);
  for (int i = 0; i < 3; i++) {
    SENDTO(s, "now", to, port);
    int n = -1;
    SAY("FIONREAD = %d, %d", ioctl(r, FIONREAD, &n), n);
    show_poll("r", r);
    show_recvfrom("r", r, MSG_DONTWAIT);
  }
  show_recvfrom("r", r, MSG_DONTWAIT);
  close(r);
  close(s);
}
int main(void) {
  at_once(LOOP, 20130);
  at_once(US, 20140);
  return 0;
}
