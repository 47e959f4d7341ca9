/* datagrams to a name nobody holds (ENOENT), to a closed receiver (ECONNREFUSED), and
 * and a connected sender whose receiver closed (ECONNREFUSED once, then ENOTCONN). */
#include "../compat.h"
int main(void) {
  struct sockaddr_un r;
  socklen_t lr = path_name(&r, "gone");
  int tx = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW(sendto(tx, "x", 1, 0, (struct sockaddr*)&r, lr));
  int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW(bind(rx, (struct sockaddr*)&r, lr));
  SHOW(close(rx));
  SHOW(sendto(tx, "x", 1, 0, (struct sockaddr*)&r, lr));
  SHOW(unlink(r.sun_path));
  rx = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW(bind(rx, (struct sockaddr*)&r, lr));
  int c = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un r2;
  socklen_t lr2 = path_name(&r2, "r2");
  int rx2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  bind(rx2, (struct sockaddr*)&r2, lr2);
  SHOW(connect(c, (struct sockaddr*)&r2, lr2));
  SHOW(close(rx2));
  SHOW(send(c, "a", 1, 0));
  SHOW(send(c, "b", 1, 0));
  char big[300000];
  memset(big, 'b', sizeof big);
  SHOW(sendto(tx, big, sizeof big, 0, (struct sockaddr*)&r, lr));
  return 0;
}
