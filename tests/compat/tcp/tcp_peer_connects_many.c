/* The peer opens 10 connections to our listener; we accept all of them,
 * each peer address distinct, and echo a line on each. */
#include "tcp_compat.h"
int main(void) {
  int l = tcp_listener(US, 20260, 16);
  for (int i = 0; i < 10; i++) peer("connect " US " 20260 greet 3000");
  int ok = 0, ports[10], distinct = 1;
  for (int i = 0; i < 10; i++) {
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    int c = (int)accept(l, SA(from), &fl);
    if (c < 0) break;
    ports[i] = ntohs(from.sin_port);
    for (int j = 0; j < i; j++) if (ports[j] == ports[i]) distinct = 0;
    char b[32];
    if (recv_n(c, b, 16, 3000) == 16 && memcmp(b, "hello from peer\n", 16) == 0) ok++;
    close(c);
  }
  SAY("greeted %d of 10, peer ports distinct: %s", ok, distinct ? "yes" : "no");
  return 0;
}
