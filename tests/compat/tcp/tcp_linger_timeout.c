/* SO_LINGER on with a nonzero time: close() waits while what was sent is
 * not acknowledged, at most the linger time, then returns 0; no reset: the
 * connection goes on and the peer, reading later, gets every byte and the
 * end. Blocking and nonblocking sockets alike (Linux lingers in both);
 * only the last descriptor's close waits; with a reading peer it returns
 * at once. The peer on port 16 never reads until told and has a small
 * window, so the sent data stays unacknowledged. */
#include "tcp_compat.h"
static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}
/* Nonblocking sends until the buffers are full (no POLLOUT for 300 ms). */
static long fill(int s) {
  static char b[4096];
  long total = 0;
  set_nonblock(s, 1);
  for (int i = 0; i < 100000; i++) {
    ssize_t n = send(s, b, sizeof b, 0);
    if (n < 0 && errno == EAGAIN && (await_ms(s, POLLOUT, 300) & POLLOUT)) continue;
    if (n < 0) break;
    total += n;
  }
  return total;
}
static void timed_close(const char *label, int fd) {
  long t0 = now_ms();
  int r = close(fd);
  int e = errno;
  long ms = now_ms() - t0;
  /* wide buckets: a loaded machine stretches both runs */
  const int once = ms < 700, about1 = ms >= 800 && ms < 3500;
  const char *when = once ? "at once" : about1 ? "after about 1 s" : "after an unexpected time";
  if (r < 0) SAY("close(%s) = -1 %s %s", label, errname(e), when);
  else SAY("close(%s) = 0 %s", label, when);
  if (!once && !about1) SAY("(%ld ms)", ms);
}
/* Let the peer read everything: does it get all we sent, and the end? */
static void peer_drains(long total) {
  char want[64];
  snprintf(want, sizeof want, "rx=%ld", total);
  const char *r = "";
  for (int i = 0; i < 200; i++) {
    peer("read 16");
    r = peer("stat 16");
    if (strstr(r, "eof=1") || strstr(r, "err=E")) break;
    msleep(20);
  }
  const char *rx = strstr(r, "rx=");
  SAY("peer: all bytes %s, %s", rx && strncmp(rx, want, strlen(want)) == 0 && rx[strlen(want)] == ' ' ? "yes" : "no",
      strstr(r, "eof=1 err=OK") ? "then the end" : r);
}
int main(void) {
  struct linger one = {1, 1}, five = {1, 5};
  /* blocking */
  int s = connect_peer(HOLD_SMALL_PORT);
  PEER_SHOW("wait 16 accepted");
  long total = fill(s);
  set_nonblock(s, 0);
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &one, sizeof one));
  timed_close("blocking", s);
  peer_drains(total);
  PEER_SHOW("close 16");
  /* nonblocking: Linux lingers all the same */
  s = connect_peer(HOLD_SMALL_PORT);
  PEER_SHOW("wait 16 accepted");
  total = fill(s);
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &one, sizeof one));
  timed_close("nonblocking", s);
  peer_drains(total);
  PEER_SHOW("close 16");
  /* a duplicate: only the last close waits */
  s = connect_peer(HOLD_SMALL_PORT);
  PEER_SHOW("wait 16 accepted");
  total = fill(s);
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &one, sizeof one));
  int d = (int)MUST(dup(s));
  timed_close("first of two", d);
  timed_close("last", s);
  peer_drains(total);
  PEER_SHOW("close 16");
  /* a reading peer acknowledges at once */
  s = connect_peer(DISCARD_PORT);
  static char b[100000];
  SHOW(send(s, b, sizeof b, 0));
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &five, sizeof five));
  timed_close("discard", s);
  PEER_SHOW("wait 9 eof");
  return 0;
}
