/* SO_RCVTIMEO: a blocking recv (stream, dgram), a blocking accept on a
 * listener give EAGAIN after the timeout; the option reads back (rounded to
 * the kernel's tick-free microseconds); data that comes in time is returned. */
#include "../compat.h"
static void set_timeo(int fd, long usec) {
  struct timeval tv = {.tv_sec = usec / 1000000, .tv_usec = usec % 1000000};
  SHOW(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  struct timeval got;
  socklen_t gl = sizeof got;
  SHOW(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &gl));
  SAY("SO_RCVTIMEO %ld.%06ld", (long)got.tv_sec, (long)got.tv_usec);
}
static void timed(const char *what, int fd, int is_accept) {
  struct timespec t0, t1;
  char buf[8];
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long r = is_accept ? accept(fd, NULL, NULL) : recv(fd, buf, sizeof buf, 0);
  int e = errno;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  SAY("%s = %ld %s, waited %s", what, r < 0 ? -1 : r, r < 0 ? errname(e) : "",
      ms >= 190 && ms < 3000 ? "about the timeout" : "not the timeout");
}
int main(void) {
  int sv[2];
  MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  set_timeo(sv[0], 200000);
  timed("stream recv", sv[0], 0);
  int d[2];
  MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
  set_timeo(d[0], 200000);
  timed("dgram recv", d[0], 0);
  struct sockaddr_un a;
  socklen_t al;
  int l = listener_at(&a, &al, "l", SOCK_STREAM, 4);
  set_timeo(l, 200000);
  timed("accept", l, 1);
  MUST(write(sv[1], "in time", 7));
  char buf[16];
  ssize_t n = recv(sv[0], buf, sizeof buf, 0);
  show_data("recv with data", buf, n);
  struct timeval bad = {.tv_sec = 0, .tv_usec = 2000000};
  SHOW(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad));
  SHOW(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, 4));
  return 0;
}
