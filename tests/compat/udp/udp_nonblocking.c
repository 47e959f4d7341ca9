/* Nothing to read: MSG_DONTWAIT and O_NONBLOCK are EAGAIN at once,
 * SO_RCVTIMEO after its timeout; an unbound socket the same. */
#include "udp_compat.h"
int main(void) {
  int s = udp_bound(LOOP, 20130), u = udp_socket();
  show_recvfrom("s", s, MSG_DONTWAIT);
  show_recvfrom("u (unbound)", u, MSG_DONTWAIT);
  set_nonblock(s, 1);
  show_recvfrom("s O_NONBLOCK", s, 0);
  SHOW(read(s, (char[4]){0}, 4));
  set_nonblock(s, 0);
  struct timeval tv = {0, 200000};
  SHOW(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  show_recvfrom("s SO_RCVTIMEO", s, 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  SAY("waited 150..2000 ms: %s", ms >= 150 && ms < 2000 ? "yes" : "no");
  SENDTO(u, "now", LOOP, 20130);
  show_recvfrom("s", s, 0);
  return 0;
}
