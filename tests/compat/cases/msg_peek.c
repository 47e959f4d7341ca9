/* MSG_PEEK leaves the data; the next read sees it again. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  SHOW(write(c, "hello world", 11));
  await(a, POLLIN);
  sleep_ms(50);
  char buf[32];
  long n = recv(a, buf, 5, MSG_PEEK);
  show_data("peek", buf, n);
  n = recv(a, buf, sizeof buf, MSG_PEEK);
  show_data("peek all", buf, n);
  n = recv(a, buf, 6, 0);
  show_data("read", buf, n);
  n = recv(a, buf, sizeof buf, 0);
  show_data("read", buf, n);
  SHOW(recv(a, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT));
  int sv[2];
  SHOW(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  SHOW(send(sv[0], "rec1", 4, 0));
  SHOW(send(sv[0], "record2", 7, 0));
  n = recv(sv[1], buf, sizeof buf, MSG_PEEK);
  show_data("seqpacket peek", buf, n);
  n = recv(sv[1], buf, sizeof buf, 0);
  show_data("seqpacket read", buf, n);
  n = recv(sv[1], buf, sizeof buf, 0);
  show_data("seqpacket read", buf, n);
  return 0;
}
