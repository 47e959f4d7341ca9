/* 30 connections one after the other to the echo port, each with a line
 * there and back and an orderly close; distinct ephemeral ports. */
#include "tcp_compat.h"
int main(void) {
  int ok = 0, distinct = 1, ports[30];
  for (int i = 0; i < 30; i++) {
    int s = connect_peer(ECHO_PORT);
    ports[i] = port_of(s);
    for (int j = 0; j < i; j++) if (ports[j] == ports[i]) distinct = 0;
    char m[16], b[16];
    int n = snprintf(m, sizeof m, "line %d", i);
    if (send(s, m, (size_t)n, 0) == n && recv_n(s, b, (size_t)n, 3000) == n && memcmp(m, b, (size_t)n) == 0) ok++;
    close(s);
  }
  SAY("echoed %d of 30, ports distinct: %s", ok, distinct ? "yes" : "no");
  return 0;
}
