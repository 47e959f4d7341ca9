/* A stream socket closed with data it never read resets its peer: the peer's
 * next read fails with ECONNRESET (once, via the pending socket error), then
 * reads 0; SO_ERROR reports and clears it. A close with nothing unread is a
 * plain EOF.
 * Under tunsock the peer's fd is its end of an AF_UNIX channel: the daemon
 * closes its end with a byte left unread there, which the kernel reports
 * on the peer's end exactly so (stack/ipc/PROTOCOL.md "Errors on a
 * connection"). */
#include "../compat.h"
static void run(int type, const char *name) {
  SAY("-- %s", name);
  int l, c, a;
  connected_trio(type, name, &l, &c, &a);
  SHOW(write(c, "unread", 6));
  await(a, POLLIN);
  SHOW(close(a));
  await(c, 0);
  show_poll("client", c);
  char buf[16];
  SHOW(recv(c, buf, sizeof buf, MSG_DONTWAIT));
  SHOW(recv(c, buf, sizeof buf, MSG_DONTWAIT));
  SHOW(send(c, "x", 1, MSG_NOSIGNAL));

  int c2, a2;
  c2 = (int)MUST(socket(AF_UNIX, type, 0));
  struct sockaddr_un sa;
  socklen_t sl = mk_path(&sa, name);
  MUST(connect(c2, (struct sockaddr *)&sa, sl));
  a2 = (int)MUST(accept(l, NULL, NULL));
  SHOW(write(c2, "unread", 6));
  await(a2, POLLIN);
  SHOW(close(a2));
  await(c2, 0);
  int err = -1;
  socklen_t el = sizeof err;
  SHOW(getsockopt(c2, SOL_SOCKET, SO_ERROR, &err, &el));
  SAY("SO_ERROR %s", errname(err));
  SHOW(getsockopt(c2, SOL_SOCKET, SO_ERROR, &err, &el));
  SAY("SO_ERROR again %s", errname(err));
  SHOW(recv(c2, buf, sizeof buf, MSG_DONTWAIT));

  int c3 = (int)MUST(socket(AF_UNIX, type, 0));
  MUST(connect(c3, (struct sockaddr *)&sa, sl));
  int a3 = (int)MUST(accept(l, NULL, NULL));
  SHOW(close(a3));
  await(c3, 0);
  SHOW(recv(c3, buf, sizeof buf, MSG_DONTWAIT));
  close(c); close(c2); close(c3); close(l);
}
int main(void) {
  run(SOCK_STREAM, "stream");
  run(SOCK_SEQPACKET, "seqpacket");
  return 0;
}
