/* Datagrams larger than the link MTU (1500) are fragmented and reassembled:
 * 1472 (fits), 1473, 8000 and 30000 bytes to the peer's echo and back,
 * checked byte for byte; 20000 bytes between two local sockets. */
#include "udp_compat.h"
static char out[65536], in[65536];
static void fill(size_t n, int seed) {
  for (size_t i = 0; i < n; i++) out[i] = (char)('A' + (i * 7 + (size_t)seed) % 26);
}
static void roundtrip(int s, size_t n) {
  fill(n, (int)n);
  ssize_t w = send(s, out, n, 0);
  say("send(%zu) = %zd %s", n, w, w < 0 ? errname(errno) : "");
  if (!(await(s, POLLIN) & POLLIN)) { say("no echo"); return; }
  ssize_t r = recv(s, in, sizeof in, MSG_DONTWAIT);
  say("echo of %zu: %zd bytes, %s", n, r, r == (ssize_t)n && memcmp(in, out, n) == 0 ? "same" : "DIFFERENT");
}
int main(void) {
  int s = udp_socket();
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(echo), sizeof echo));
  roundtrip(s, 1472);
  roundtrip(s, 1473);
  roundtrip(s, 8000);
  roundtrip(s, 30000);
  int a = udp_bound(LOOP, 20150), b = udp_socket();
  struct sockaddr_in to = sin_of(LOOP, 20150);
  fill(20000, 3);
  CKL("sendto 20000 to 127.0.0.1", sendto(b, out, 20000, 0, SA(to), sizeof to));
  await(a, POLLIN);
  ssize_t r = recv(a, in, sizeof in, 0);
  say("a got %zd bytes, %s", r, r == 20000 && memcmp(in, out, 20000) == 0 ? "same" : "DIFFERENT");
  return 0;
}
