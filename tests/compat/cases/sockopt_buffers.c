/* SO_RCVBUF/SO_SNDBUF: defaults, doubling, minimums; SO_RCVLOWAT; SO_SNDLOWAT read-only. */
#include "../compat.h"
int main(void) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  int v;
  socklen_t len = sizeof v;
  SHOW(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len));
  SAY("default SO_RCVBUF %d", v);
  len = sizeof v;
  SHOW(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len));
  SAY("default SO_SNDBUF %d", v);
  int vals[4] = {0, 1000, 50000, 100000};
  for (int i = 0; i < 4; i++) {
    v = vals[i];
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len);
    SAY("SO_RCVBUF %d -> %d", vals[i], v);
    v = vals[i];
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len);
    SAY("SO_SNDBUF %d -> %d", vals[i], v);
  }
  v = 0;
  SHOW(setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof v));
  len = sizeof v;
  SHOW(getsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, &len));
  SAY("SO_RCVLOWAT %d", v);
  SHOW(setsockopt(s, SOL_SOCKET, SO_SNDLOWAT, &v, sizeof v));
  len = sizeof v;
  SHOW(getsockopt(s, SOL_SOCKET, SO_SNDLOWAT, &v, &len));
  SAY("SO_SNDLOWAT %d", v);
  struct linger lg = {1, 5};
  SHOW(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  memset(&lg, 0, sizeof lg);
  len = sizeof lg;
  SHOW(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len));
  SAY("linger %d %d", lg.l_onoff, lg.l_linger);
  return 0;
}
