/* 1 MiB through the echo port with poll driving both directions. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  set_nonblock(s, 1);
  static unsigned char out[1 << 20], in[65536];
  pattern_fill(out, sizeof out, 0);
  size_t sent = 0, got = 0;
  int ok = 1, shut = 0;
  for (int i = 0; i < 200000; i++) {
    struct pollfd p = {s, POLLIN | (sent < sizeof out ? POLLOUT : 0), 0};
    if (poll(&p, 1, 3000) <= 0) break;
    if (p.revents & POLLOUT) {
      ssize_t n = send(s, out + sent, sizeof out - sent, 0);
      if (n > 0) sent += (size_t)n;
    }
    if (sent == sizeof out && !shut) { shutdown(s, SHUT_WR); shut = 1; }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(s, in, sizeof in, 0);
      if (n == 0) break;
      if (n > 0) {
        if (!pattern_ok(in, (size_t)n, got)) ok = 0;
        got += (size_t)n;
      }
    }
  }
  SAY("sent %zu received %zu pattern %s", sent, got, ok ? "ok" : "BAD");
  return 0;
}
