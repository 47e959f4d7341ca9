/* SO_RCVBUF and SO_SNDBUF: defaults as ranges, set values doubled, the
 * minimum and the maximum clamps. */
#include "tcp_compat.h"
int main(void) {
  int s = tcp_socket();
  SAY("default SO_RCVBUF %s", size_bucket(get_int(s, SOL_SOCKET, SO_RCVBUF)));
  SAY("default SO_SNDBUF %s", size_bucket(get_int(s, SOL_SOCKET, SO_SNDBUF)));
  int vals[] = {1, 1000, 4096, 65536, 100000};
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    set_int(s, SOL_SOCKET, SO_RCVBUF, vals[i]);
    set_int(s, SOL_SOCKET, SO_SNDBUF, vals[i]);
    SAY("set %d: SO_RCVBUF %d SO_SNDBUF %d", vals[i], get_int(s, SOL_SOCKET, SO_RCVBUF),
        get_int(s, SOL_SOCKET, SO_SNDBUF));
  }
  SHOW(set_int(s, SOL_SOCKET, SO_RCVBUF, -5));
  SAY("after -5: SO_RCVBUF %d", get_int(s, SOL_SOCKET, SO_RCVBUF));
  return 0;
}
