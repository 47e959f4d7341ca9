/* On Linux a write, shutdown or close is visible to the peer the moment the
 * call returns: no wait between a call and the peer's next one here, on
 * purpose (the other cases wait for the event with poll before acting). A
 * stack that tells the peer later shows up as a difference. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  char buf[32];
  SHOW(write(a, "one ", 4));
  SHOW(write(a, "two ", 4));
  SHOW(write(a, "three", 5));
  int q = -1;
  SHOW(ioctl(c, FIONREAD, &q));
  SAY("FIONREAD %d", q);
  ssize_t n = recv(c, buf, sizeof buf, MSG_DONTWAIT);
  show_data("one read gets all three writes", buf, n);
  SHOW(shutdown(a, SHUT_WR));
  SHOW(recv(c, buf, sizeof buf, MSG_DONTWAIT));
  show_poll("client after peer SHUT_WR", c);
  SHOW(close(a));
  SHOW(send(c, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
  show_poll("client after peer close", c);

  int sv[2];
  MUST(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  SHOW(close(sv[1]));
  SHOW(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
  SHOW(send(sv[0], "y", 1, MSG_NOSIGNAL | MSG_DONTWAIT));

  struct sockaddr_un r;
  socklen_t rl = mk_path(&r, "rx");
  int rx = (int)MUST(socket(AF_UNIX, SOCK_DGRAM, 0));
  MUST(bind(rx, (struct sockaddr *)&r, rl));
  int tx = (int)MUST(socket(AF_UNIX, SOCK_DGRAM, 0));
  MUST(connect(tx, (struct sockaddr *)&r, rl));
  SHOW(close(rx));
  SHOW(send(tx, "z", 1, MSG_DONTWAIT));
  return 0;
}
