/* 1 MiB each way at once over a ::1 connection (nonblocking, one poll
 * loop): everything arrives in order; then both FINs. */
#include "tcp6_compat.h"
static unsigned char out[1 << 20], in[1 << 20];
int main(void) {
  int srv;
  int c = loop6_pair(20450, &srv);
  set_nonblock(c, 1);
  set_nonblock(srv, 1);
  pattern_fill(out, sizeof out, 0);
  size_t sent[2] = {0, 0}, got[2] = {0, 0};
  int fds[2] = {c, srv}, ok[2] = {1, 1};
  for (int k = 0; k < 100000 && (got[0] < sizeof in || got[1] < sizeof in); k++) {
    struct pollfd p[2];
    for (int i = 0; i < 2; i++) {
      p[i].fd = fds[i];
      p[i].events = (short)(POLLIN | (sent[i] < sizeof out ? POLLOUT : 0));
      p[i].revents = 0;
    }
    if (poll(p, 2, 3000) <= 0) break;
    for (int i = 0; i < 2; i++) {
      if (p[i].revents & POLLOUT) {
        ssize_t w = send(fds[i], out + sent[i], sizeof out - sent[i], 0);
        if (w > 0) sent[i] += (size_t)w;
      }
      if (p[i].revents & POLLIN) {
        ssize_t r = recv(fds[i], in, sizeof in, 0);
        if (r > 0) {
          if (!pattern_ok(in, (size_t)r, got[i])) ok[i] = 0;
          got[i] += (size_t)r;
        }
      }
    }
  }
  SAY("client sent %zu got %zu pattern %s", sent[0], got[0], ok[0] ? "ok" : "BAD");
  SAY("server sent %zu got %zu pattern %s", sent[1], got[1], ok[1] ? "ok" : "BAD");
  SHOW(shutdown(c, SHUT_WR));
  await_ms(srv, POLLRDHUP, 3000);
  show_recv("srv", srv, 10, 0);
  SHOW(shutdown(srv, SHUT_WR));
  await_ms(c, POLLRDHUP, 3000);
  show_recv("c", c, 10, 0);
  return 0;
}
