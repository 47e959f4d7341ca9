/* When accept returns a connection over 127.0.0.1, the connecting socket is
 * connected already, even while its connect call (in another thread) has
 * not returned yet: its fd reads EAGAIN (not EINVAL, as an unconnected
 * socket would) and then the server's close as EOF. Forty rounds, to catch
 * the race. Under tunsock the daemon holds the accepted connection back
 * from the program's listener until the connecting program's fd has joined
 * its channel (stack/ipc/PROTOCOL.md "Connecting"); CPython's
 * TCPCloserTest.testClose depends on it. */
#include "../compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
static struct sockaddr_in addr;
static int cfd;
static void *client(void *arg) {
  (void)arg;
  if (connect(cfd, (struct sockaddr *)&addr, sizeof addr) != 0) say("connect: %s", errname(errno));
  return NULL;
}
int main(void) {
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  int l = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
  MUST(bind(l, (struct sockaddr *)&addr, sizeof addr));
  socklen_t al = sizeof addr;
  MUST(getsockname(l, (struct sockaddr *)&addr, &al));
  SHOW(listen(l, 8));
  int early = 0, no_eof = 0;
  for (int i = 0; i < 40; ++i) {
    cfd = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
    pthread_t t;
    if (pthread_create(&t, NULL, client, NULL) != 0) return 1;
    int a = (int)MUST(accept(l, NULL, NULL));
    char b;
    errno = 0;
    ssize_t n = recv(cfd, &b, 1, MSG_DONTWAIT);
    if (!(n < 0 && errno == EAGAIN)) {
      if (!early) say("round %d: recv before connect returned = %zd %s", i, n, errname(errno));
      ++early;
    }
    close(a);
    pthread_join(t, NULL);
    await(cfd, POLLIN);
    if (recv(cfd, &b, 1, MSG_DONTWAIT) != 0) ++no_eof;
    close(cfd);
  }
  SAY("rounds whose connecting fd was not connected at accept: %d", early);
  SAY("rounds without EOF after the server's close: %d", no_eof);
  close(l);
  return 0;
}
