/* a megabyte through a stream socket between two processes arrives intact and in order. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  pid_t p = fork();
  if (p == 0) {
    static char buf[65536];
    unsigned x = 1;
    for (int k = 0; k < 16; k++) {
      for (size_t i = 0; i < sizeof buf; i++) { x = x * 1103515245u + 12345u; buf[i] = (char)(x >> 16); }
      size_t off = 0;
      while (off < sizeof buf) {
        long n = write(c, buf + off, sizeof buf - off);
        if (n <= 0) _exit(1);
        off += (size_t)n;
      }
    }
    _exit(0);
  }
  close(c);
  unsigned x = 1, bad = 0;
  long total = 0;
  char buf[7000];
  for (;;) {
    long n = read(a, buf, sizeof buf);
    if (n <= 0) break;
    for (long i = 0; i < n; i++) { x = x * 1103515245u + 12345u; bad += buf[i] != (char)(x >> 16); }
    total += n;
  }
  SAY("received %ld bytes, %u wrong", total, bad);
  waitpid(p, NULL, 0);
  return 0;
}
