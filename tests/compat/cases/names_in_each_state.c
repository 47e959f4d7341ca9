/* getsockname/getpeername: unbound, bound, listening, connected, accepted, after the peer closed. */
#include "../compat.h"
static void names(const char* what, int fd) {
  show_sockname(what, fd);
  show_peername(what, fd);
}
int main(void) {
  struct sockaddr_un a, b;
  socklen_t la = path_name(&a, "srv"), lb = path_name(&b, "cli");
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  names("fresh", l);
  SHOW(bind(l, (struct sockaddr*)&a, la));
  names("bound", l);
  SHOW(listen(l, 2));
  names("listening", l);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW(connect(c, (struct sockaddr*)&a, la));
  names("client (unbound)", c);
  int s = accept(l, NULL, NULL);
  names("accepted", s);
  int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW(bind(c2, (struct sockaddr*)&b, lb));
  SHOW(connect(c2, (struct sockaddr*)&a, la));
  struct sockaddr_un from;
  socklen_t flen = sizeof from;
  int s2 = accept(l, (struct sockaddr*)&from, &flen);
  SAY("accept from %s", addr_str(&from, flen));
  names("accepted from bound client", s2);
  socklen_t full = flen;
  flen = 4;
  SHOW(getpeername(s2, (struct sockaddr*)&from, &flen));
  SAY("truncated: reported length is the full one %d", flen == full);
  close(c);
  await(s, POLLRDHUP);
  names("accepted, peer closed", s);
  return 0;
}
