/* 2 MiB over 127.0.0.1 from a child to the parent, pattern checked, then
 * EOF. */
#include "tcp_compat.h"
int main(void) {
  int b;
  int a = loop_pair(20232, &b);
  pid_t p = compat_fork();
  if (p == 0) {
    close(b);
    static unsigned char buf[65536];
    for (unsigned long off = 0; off < (2ul << 20); off += sizeof buf) {
      pattern_fill(buf, sizeof buf, off);
      if (write_all(a, buf, sizeof buf) < 0) _exit(1);
    }
    close(a);
    _exit(0);
  }
  close(a);
  unsigned long pos = 0;
  int ok = 1, end;
  long n = read_to_end(b, &pos, &ok, &end, 5000);
  SAY("received %ld pattern %s end %s", n, ok ? "ok" : "BAD", errname(end));
  SAY("child: %s", wait_str(p));
  return 0;
}
