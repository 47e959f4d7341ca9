/* I/O on a socket that never connected: send EPIPE (SIGPIPE unless
 * MSG_NOSIGNAL), recv ENOTCONN, sendto with an address is not a connect. */
#include "tcp_compat.h"
int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int s = tcp_socket();
  SHOW(send(s, "x", 1, MSG_NOSIGNAL));
  SHOW(write(s, "x", 1));
  SHOW(recv(s, (char[4]){0}, 4, 0));
  SHOW(read(s, (char[4]){0}, 4));
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  SHOW(sendto(s, "x", 1, MSG_NOSIGNAL, SA(a), sizeof a));
  int l = tcp_listener(US, 20240, 1);
  SHOW(send(l, "x", 1, MSG_NOSIGNAL));
  SHOW(recv(l, (char[4]){0}, 4, 0));
  return 0;
}
