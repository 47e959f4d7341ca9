/* A TCP connection's life over 127.0.0.1 as the program sees it through its
 * fd and the calls: unconnected (OUT|HUP), a nonblocking connect
 * (EINPROGRESS, then writable; a second connect 0 once, then EISCONN),
 * data, the peer's FIN (IN|RDHUP, read 0, writes still flow), our
 * SHUT_WR (the peer reads 0 while ours still reads), a reset by the peer
 * closing with data unread, a nonblocking connect to a closed port
 * (IN|OUT|ERR|HUP|RDHUP, SO_ERROR ECONNREFUSED once) and a blocking one.
 * Under tunsock the stack's TCP over its own loopback (the daemon's), on
 * Linux the kernel's. The reset polls IN|OUT|ERR|HUP|RDHUP under tunsock
 * too (stack/ipc/PROTOCOL.md "Errors on a connection"). */
#include "../compat.h"
#include <netinet/in.h>
#include <arpa/inet.h>
int main(void) {
  signal(SIGPIPE, SIG_IGN);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  int l = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
  MUST(bind(l, (struct sockaddr *)&a, sizeof a));
  socklen_t al = sizeof a;
  MUST(getsockname(l, (struct sockaddr *)&a, &al));
  SHOW(listen(l, 4));
  int c = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  show_poll("unconnected", c);
  SHOW(connect(c, (struct sockaddr *)&a, sizeof a));
  await(c, POLLOUT);
  show_poll("connected", c);
  SHOW(connect(c, (struct sockaddr *)&a, sizeof a));
  SHOW(connect(c, (struct sockaddr *)&a, sizeof a));
  int s = (int)MUST(accept(l, NULL, NULL));
  char buf[64];
  SHOW(write(c, "hello", 5));
  await(s, POLLIN);
  SHOW(read(s, buf, sizeof buf));
  SHOW(shutdown(s, SHUT_WR));
  await(c, POLLRDHUP);
  show_poll("client after the server's FIN", c);
  SHOW(read(c, buf, sizeof buf));
  SHOW(write(c, "x", 1));
  await(s, POLLIN);
  SHOW(read(s, buf, sizeof buf));
  SHOW(shutdown(c, SHUT_WR));
  await(s, POLLRDHUP);
  show_poll("server after both FINs", s);
  SHOW(read(s, buf, sizeof buf));
  close(c);
  close(s);

  /* A reset: the server closes with the client's data unread. */
  c = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
  MUST(connect(c, (struct sockaddr *)&a, sizeof a));
  s = (int)MUST(accept(l, NULL, NULL));
  SHOW(write(c, "unread", 6));
  await(s, POLLIN);
  SHOW(close(s));
  await(c, POLLHUP);
  show_poll("client after the reset", c);
  SHOW(read(c, buf, sizeof buf));
  SHOW(read(c, buf, sizeof buf));
  SHOW(write(c, "x", 1));
  SHOW(write(c, "x", 1));
  close(c);

  /* Refused. */
  /* A port bound by a socket that does not listen: connects are refused. */
  struct sockaddr_in z = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &z.sin_addr);
  int b = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
  MUST(bind(b, (struct sockaddr *)&z, sizeof z));
  socklen_t zl = sizeof z;
  MUST(getsockname(b, (struct sockaddr *)&z, &zl));
  c = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  SHOW(connect(c, (struct sockaddr *)&z, sizeof z));
  await(c, POLLERR);
  show_poll("refused", c);
  int err = -1;
  socklen_t el = sizeof err;
  SHOW(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
  SAY("SO_ERROR %s", errname(err));
  SHOW(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
  SAY("SO_ERROR again %s", errname(err));
  close(c);
  c = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
  SHOW(connect(c, (struct sockaddr *)&z, sizeof z));
  close(c);
  close(b);
  close(l);
  return 0;
}
