/* A datagram larger than the buffer: the rest is discarded; MSG_TRUNC in
 * recv's flags returns the real length, in recvmsg's msg_flags it marks the
 * cut; a zero-length buffer with MSG_TRUNC measures the datagram. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20110), s = udp_socket();
  char big[100];
  memset(big, 'a', sizeof big);
  big[99] = 'z';
  struct sockaddr_in to = sin_of(LOOP, 20110);
  for (int i = 0; i < 4; i++) CKL("sendto 100 bytes", sendto(s, big, sizeof big, 0, SA(to), sizeof to));
  await(r, POLLIN);
  char buf[10];
  ssize_t n = recv(r, buf, sizeof buf, 0);
  show_data("recv(10)", buf, n);
  n = recv(r, buf, sizeof buf, MSG_TRUNC);
  show_data("recv(10, MSG_TRUNC)", buf, n < 10 ? n : 10);
  SAY("returned %zd", n);
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  n = recvmsg(r, &mh, 0);
  SAY("recvmsg(10) = %zd flags %s", n, msgflags_str(mh.msg_flags));
  await(r, POLLIN);
  n = recv(r, NULL, 0, MSG_TRUNC | MSG_DONTWAIT);
  SAY("recv(NULL, 0, MSG_TRUNC) = %zd %s", n, n < 0 ? errname(errno) : "");
  SHOW(recv(r, buf, sizeof buf, MSG_DONTWAIT));
  return 0;
}
