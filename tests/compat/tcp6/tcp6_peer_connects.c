/* The peer opens five IPv6 connections to our listener (backlog 8) before
 * we accept: five accepts, each named [2001:db8::1]:<eph>, each with its
 * own data; accept4 with SOCK_NONBLOCK; then EAGAIN on the nonblocking
 * listener. */
#include "tcp6_compat.h"
int main(void) {
  int l = tcp6_listener(US6, 20460, 8, -1);
  for (int i = 0; i < 5; i++) PEER_SHOW("connect " US6 " 20460 greet 3000");
  for (int i = 0; i < 5; i++) {
    await_ms(l, POLLIN, 3000);
    struct sockaddr_in6 a;
    socklen_t al = sizeof a;
    int fd = accept4(l, SA(a), &al, i == 4 ? SOCK_NONBLOCK : 0);
    if (fd < 0) { SAY("accept %d = -1 %s", i, errname(errno)); continue; }
    char line[32];
    ssize_t n = recv_n(fd, line, 16, 3000);
    SAY("accept %d from %s: %zd %s nonblock %s", i, in6_str(&a, al), n, data_str(line, n),
        fcntl(fd, F_GETFL) & O_NONBLOCK ? "yes" : "no");
    close(fd);
  }
  set_nonblock(l, 1);
  SHOW(accept(l, NULL, NULL));
  return 0;
}
