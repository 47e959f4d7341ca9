/* SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_DOMAIN, SO_PROTOCOL, unknown options and levels. */
#include "../compat.h"
static void geti(int fd, int name, const char* what) {
  int v = -7;
  socklen_t len = sizeof v;
  int r = getsockopt(fd, SOL_SOCKET, name, &v, &len);
  if (r) SAY("%s: %s", what, errname(errno));
  else SAY("%s: %d (len %d)", what, v, (int)len);
}
int main(void) {
  int types[3] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
  for (int i = 0; i < 3; i++) {
    int s = socket(AF_UNIX, types[i], 0);
    geti(s, SO_TYPE, "SO_TYPE");
    geti(s, SO_ERROR, "SO_ERROR");
    geti(s, SO_ACCEPTCONN, "SO_ACCEPTCONN");
    geti(s, SO_DOMAIN, "SO_DOMAIN");
    geti(s, SO_PROTOCOL, "SO_PROTOCOL");
    close(s);
  }
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  geti(l, SO_ACCEPTCONN, "listener SO_ACCEPTCONN");
  geti(a, SO_ACCEPTCONN, "accepted SO_ACCEPTCONN");
  geti(c, 12345, "unknown option");
  int v = 1;
  SHOW(setsockopt(c, SOL_SOCKET, 12345, &v, sizeof v));
  socklen_t len = sizeof v;
  SHOW(getsockopt(c, IPPROTO_TCP, 1, &v, &len));
  SHOW(setsockopt(c, IPPROTO_TCP, 1, &v, sizeof v));
  SHOW(setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, 2));
  len = 2;
  SHOW(getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &len));
  SAY("short len %d", (int)len);
  SHOW(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
  geti(c, SO_KEEPALIVE, "SO_KEEPALIVE");
  v = 5;
  SHOW(setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
  geti(c, SO_REUSEADDR, "SO_REUSEADDR");
  return 0;
}
