/* A blocking send of 4 MiB to a peer that does not read yet: it blocks,
 * and completes once the peer reads. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  PEER_SHOW("wait 11 accepted");
  pid_t p = compat_fork();
  if (p == 0) {
    static unsigned char b[4 << 20];
    _exit(write_all(s, b, sizeof b) == 0 ? 0 : 1);
  }
  wait_until_sleeping(p);
  SAY("child still blocked: %s", waitpid(p, NULL, WNOHANG) == 0 ? "yes" : "no");
  long got = 0;
  for (int i = 0; i < 2000 && got < (4 << 20); i++) {
    const char *r = peer("read 11");
    long n = 0;
    sscanf(r, "read=%ld", &n);
    got += n;
    if (n == 0) msleep(5);
  }
  SAY("peer read %ld", got);
  SAY("child: %s", wait_str(p));
  return 0;
}
