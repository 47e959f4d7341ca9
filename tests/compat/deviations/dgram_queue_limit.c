/* DEVIATION: Linux lets a datagram receiver queue max_dgram_qlen + 1 (11)
 * datagrams before senders get EAGAIN. Under tunsock the queue is split
 * between the stack's receive buffer (which applies the limit) and the
 * channel the daemon already moved datagrams into, so a sender gets one or
 * a few more through. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un r;
  socklen_t lr = path_name(&r, "rx");
  int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
  bind(rx, (struct sockaddr*)&r, lr);
  int tx = socket(AF_UNIX, SOCK_DGRAM, 0);
  int sent = 0;
  for (int i = 0; i < 40; i++) {
    if (sendto(tx, "fill", 4, MSG_DONTWAIT, (struct sockaddr*)&r, lr) < 0) {
      SAY("stopped after %d: %s", sent, errname(errno));
      break;
    }
    sent++;
  }
  return 0;
}
