/* UDPLITE_SEND_CSCOV and UDPLITE_RECV_CSCOV as Linux answers them: 0 by
 * default, 1..7 and negatives read back as 8, above 65535 as 65535; SOL_UDP
 * and SOL_UDPLITE are one level; a short optlen is EINVAL; on a UDP socket
 * they read 0 and cannot be set (ENOPROTOOPT); UDP_CORK at SOL_UDPLITE. */
#include "udplite_compat.h"
static void set_show(int fd, int level, int name, int v) {
  int r = set_int(fd, level, name, v);
  int got = -12345;
  socklen_t l = sizeof got;
  int g = getsockopt(fd, level, name, &got, &l);
  say("set %d %d = %d %s, get = %d %d (len %u)", name, v, r, r < 0 ? errname(errno) : "", g, got, (unsigned)l);
}
int main(void) {
  int s = lite_socket();
  SHOW_OPT(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV);
  SHOW_OPT(s, SOL_UDPLITE, UDPLITE_RECV_CSCOV);
  int vals[] = {-70000, -1, 1, 7, 8, 9, 100, 65535, 65536, 1 << 30, 0};
  for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
    set_show(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, vals[i]);
    set_show(s, SOL_UDPLITE, UDPLITE_RECV_CSCOV, vals[i]);
  }
  set_show(s, SOL_UDP, UDPLITE_SEND_CSCOV, 30);
  SHOW_OPT(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV);
  short sh = 20;
  SHOW(setsockopt(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, &sh, sizeof sh));
  SHOW(setsockopt(s, SOL_UDPLITE, 9999, &sh, sizeof sh));
  SHOW(set_int(s, SOL_UDPLITE, 9999, 1));
  SHOW_OPT(s, SOL_UDPLITE, 9999);
  unsigned char c = 0;
  socklen_t cl = 1;
  SHOW(getsockopt(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, &c, &cl));
  SAY("one byte: %u (len %u)", c, (unsigned)cl);
  set_show(s, SOL_UDPLITE, UDP_CORK, 1);
  SHOW_OPT(s, SOL_UDP, UDP_CORK);
  int u = udp_socket();
  set_show(u, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 20);
  set_show(u, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 20);
  set_show(u, SOL_UDP, UDPLITE_SEND_CSCOV, 20);
  set_show(u, SOL_UDP, UDPLITE_RECV_CSCOV, 0);
  set_show(u, SOL_UDPLITE, UDP_CORK, 1);
  SHOW_OPT(u, SOL_UDP, UDP_CORK);
  return 0;
}
