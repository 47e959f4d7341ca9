/* 20 nonblocking connections at once to the echo port, driven by one poll
 * loop: each gets its own line back. */
#include "tcp_compat.h"
int main(void) {
  enum { N = 20 };
  int fd[N], state[N];
  struct sockaddr_in a = sin_of(PEER, ECHO_PORT);
  for (int i = 0; i < N; i++) {
    fd[i] = (int)MUST(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    int r = connect(fd[i], SA(a), sizeof a);
    state[i] = r == 0 || errno == EINPROGRESS ? 0 : -1;
  }
  int done = 0;
  for (int round = 0; round < 2000 && done < N; round++) {
    struct pollfd p[N];
    for (int i = 0; i < N; i++) p[i] = (struct pollfd){fd[i], state[i] == 0 ? POLLOUT : state[i] == 1 ? POLLIN : 0, 0};
    if (poll(p, N, 3000) <= 0) break;
    for (int i = 0; i < N; i++) {
      char m[16], b[16];
      int n = snprintf(m, sizeof m, "conn %02d", i);
      if (state[i] == 0 && (p[i].revents & POLLOUT)) {
        if (send(fd[i], m, (size_t)n, 0) == n) state[i] = 1;
        else state[i] = -1;
      } else if (state[i] == 1 && (p[i].revents & POLLIN)) {
        if (recv_n(fd[i], b, (size_t)n, 3000) == n && memcmp(b, m, (size_t)n) == 0) { state[i] = 2; done++; }
        else state[i] = -1;
      }
    }
  }
  SAY("echoed %d of %d", done, N);
  return 0;
}
