/* sendfile from a regular file to a connected socket: all of it arrives;
 * the file offset advances; sendfile to a listener fails. */
#include "tcp_compat.h"
#include <sys/sendfile.h>
int main(void) {
  signal(SIGPIPE, SIG_IGN);
  const char *path = compat_path_of("file");
  int f = (int)MUST(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
  static unsigned char b[200000];
  pattern_fill(b, sizeof b, 0);
  MUST(write_all(f, b, sizeof b));
  int s = connect_peer(DISCARD_PORT);
  off_t off = 1000;
  long total = 0;
  for (int i = 0; i < 1000 && total < 150000; i++) {
    ssize_t n = sendfile(s, f, &off, (size_t)(150000 - total));
    if (n <= 0) { SAY("sendfile = %zd %s", n, errname(errno)); break; }
    total += n;
  }
  SAY("sent %ld, offset %ld", total, (long)off);
  PEER_SHOW("wait 9 rx=150000");
  MUST(lseek(f, 0, SEEK_SET));
  int l = tcp_listener(US, 20220, 1);
  SHOW(sendfile(l, f, NULL, 10));
  int u = tcp_socket();
  SHOW(sendfile(u, f, NULL, 10));
  return 0;
}
