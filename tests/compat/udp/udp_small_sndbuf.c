/* The send buffer bounds what may be queued, not the size of one datagram:
 * with SO_SNDBUF at its minimum an 8000- and a 60000-byte datagram still
 * go over 127.0.0.1 (one packet: Linux checks only that the buffer is not
 * already full). (Fragmented over the link, Linux charges each fragment and
 * fails with ENOBUFS part way, by its own sk_buff accounting: not compared.) */
#include "udp_compat.h"
static char buf[60000], in[65536];
int main(void) {
  memset(buf, 's', sizeof buf);
  int s = udp_socket();
  SHOW(set_int(s, SOL_SOCKET, SO_SNDBUF, 1));
  SHOW_OPT(s, SOL_SOCKET, SO_SNDBUF);
  int r = udp_bound(LOOP, 20350);
  struct sockaddr_in to = sin_of(LOOP, 20350);
  CKL("sendto 8000 to 127.0.0.1", sendto(s, buf, 8000, 0, SA(to), sizeof to));
  await(r, POLLIN);
  SAY("r got %zd", recv(r, in, sizeof in, 0));
  CKL("sendto 60000 to 127.0.0.1", sendto(s, buf, 60000, 0, SA(to), sizeof to));
  await(r, POLLIN);
  SAY("r got %zd", recv(r, in, sizeof in, 0));
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  CKL("sendto 1400 to the echo", sendto(s, buf, 1400, 0, SA(echo), sizeof echo));
  await(s, POLLIN);
  SAY("echo %zd", recv(s, in, sizeof in, MSG_DONTWAIT));
  return 0;
}
