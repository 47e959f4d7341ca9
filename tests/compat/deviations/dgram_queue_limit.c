/* DEVIATION: Linux lets a datagram receiver queue max_dgram_qlen + 1 (11)
 * datagrams before senders get EAGAIN (and bounds each sender by its
 * SO_SNDBUF). Under tunsock the stack's receive buffer applies the limit,
 * but the daemon moves each datagram on into the receiver's channel at
 * once, and the channel (a kernel socketpair, which has no queue-length
 * limit) holds the rest: all 40 sends here succeed. Exact behaviour needs
 * the daemon to count the records the channel still holds (the app's reads
 * are invisible to it: SIOCOUTQ gives bytes of skb truesize, not records). */
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
