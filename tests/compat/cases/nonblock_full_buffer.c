/* Filling a nonblocking stream: writes succeed until EAGAIN (the amount is
 * the stack's business and not printed); then POLLOUT is off, select does
 * not say writable, a blocking peer drains it all, POLLOUT comes back, and
 * every byte arrives in order. The same for seqpacket records. */
#include "../compat.h"
static void run(int type, const char *name) {
  SAY("-- %s", name);
  int sv[2];
  MUST(socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv));
  static unsigned char chunk[1000];
  long total = 0, writes = 0;
  int err = 0;
  /* Keep writing until EAGAIN holds across a short pause: a stack with a
   * channel in between may free room as its pump moves data along. */
  for (int settled = 0; settled < 3 && writes < 100000;) {
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (unsigned char)(total + (long)i);
    /* seqpacket records are 1000 bytes; the reader's 4096 holds one whole */
    ssize_t w = send(sv[0], chunk, sizeof chunk, MSG_NOSIGNAL);
    if (w < 0) {
      err = errno;
      if (err != EAGAIN) break;
      settled++;
      msleep(30);
      continue;
    }
    settled = 0;
    total += w;
    writes++;
  }
  SAY("writes stopped with %s after some data: %s", errname(err), total > 0 ? "yes" : "no");
  show_poll("full writer", sv[0]);
  show_select("full writer", sv[0], 0);
  set_nonblock(sv[1], 0);
  long got = 0, bad = 0;
  unsigned char buf[4096];
  while (got < total) {
    ssize_t r = recv(sv[1], buf, sizeof buf, 0);
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; i++)  /* byte k of the stream is (unsigned char)k */
      if (buf[i] != (unsigned char)(got + i)) bad++;
    got += r;
  }
  SAY("reader got everything written: %s, in order: %s", got == total ? "yes" : "no",
      bad == 0 ? "yes" : "no");
  SAY("after drain: %s", revents_str(await(sv[0], POLLOUT)));
  show_poll("drained writer", sv[0]);
  SHOW(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  close(sv[0]);
  close(sv[1]);
}
int main(void) {
  run(SOCK_STREAM, "stream");
  run(SOCK_SEQPACKET, "seqpacket");
  return 0;
}
