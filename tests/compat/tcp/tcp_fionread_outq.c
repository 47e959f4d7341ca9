/* FIONREAD/SIOCINQ count queued bytes; SIOCOUTQ and SIOCOUTQNSD count
 * unsent/unacknowledged bytes (0 once the peer acknowledged). */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(GREET_PORT);
  int n = -1;
  await_ms(s, POLLRDHUP, 3000);
  SHOW(ioctl(s, FIONREAD, &n)); SAY("FIONREAD %d", n);
  SHOW(ioctl(s, SIOCINQ, &n)); SAY("SIOCINQ %d", n);
  show_recv("s", s, 6, 0);
  SHOW(ioctl(s, FIONREAD, &n)); SAY("FIONREAD %d", n);
  show_recv("s", s, 64, 0);
  SHOW(ioctl(s, FIONREAD, &n)); SAY("FIONREAD at EOF %d", n);
  SHOW(ioctl(s, SIOCOUTQ, &n)); SAY("SIOCOUTQ %d", n);
  SHOW(send(s, "0123456789", 10, 0));
  PEER_SHOW("wait 13 rx=10");
  msleep(100);
  SHOW(ioctl(s, SIOCOUTQ, &n)); SAY("SIOCOUTQ after ack %d", n);
  SHOW(ioctl(s, SIOCOUTQNSD, &n)); SAY("SIOCOUTQNSD %d", n);
  int l = tcp_listener(US, 20141, 4);
  SHOW(ioctl(l, FIONREAD, &n));
  int f = tcp_socket();
  SHOW(ioctl(f, SIOCOUTQ, &n)); SAY("SIOCOUTQ fresh %d", n);
  return 0;
}
