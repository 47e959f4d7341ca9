/* The largest datagram: 65507 bytes (65535 - 20 - 8) goes, over 127.0.0.1
 * and fragmented to the peer's echo; 65508 and more is EMSGSIZE, connected
 * or not. */
#include "udp_compat.h"
static char out[70000], in[70000];
int main(void) {
  for (size_t i = 0; i < sizeof out; i++) out[i] = (char)('a' + i % 23);
  int a = udp_bound(LOOP, 20160), b = udp_socket();
  struct sockaddr_in to = sin_of(LOOP, 20160);
  CKL("sendto 65507", sendto(b, out, 65507, 0, SA(to), sizeof to));
  CKL("sendto 65508", sendto(b, out, 65508, 0, SA(to), sizeof to));
  CKL("sendto 69999", sendto(b, out, 69999, 0, SA(to), sizeof to));
  await(a, POLLIN);
  ssize_t r = recv(a, in, sizeof in, 0);
  say("a got %zd, %s", r, r == 65507 && memcmp(in, out, 65507) == 0 ? "same" : "DIFFERENT");
  SHOW(recv(a, in, sizeof in, MSG_DONTWAIT));
  int s = udp_socket();
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(echo), sizeof echo));
  CKL("send 65508 connected", send(s, out, 65508, 0));
  CKL("send 65507 connected", send(s, out, 65507, 0));
  if (await(s, POLLIN) & POLLIN) {
    r = recv(s, in, sizeof in, 0);
    say("echo: %zd, %s", r, r == 65507 && memcmp(in, out, 65507) == 0 ? "same" : "DIFFERENT");
  } else {
    say("no echo");
  }
  return 0;
}
