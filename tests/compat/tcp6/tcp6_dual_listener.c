/* A dual-stack listener ([::], V6ONLY 0) takes IPv4 clients: accept gives
 * ::ffff:198.18.0.1:<eph>, the accepted socket's name ::ffff:198.18.0.2,
 * data both ways; an IPv6 client on the same listener; 127.0.0.1 clients
 * appear as ::ffff:127.0.0.1; a V6ONLY listener refuses IPv4 (the peer's
 * connect is refused) while an IPv4 listener on the same port takes it. */
#include "tcp6_compat.h"
int main(void) {
  int l = tcp6_listener(ANY6, 20350, 8, 0);
  PEER_SHOW("connect " US " 20350 discard 3000");
  int a = show_accept6("v4 client", l);
  show_name6("v4 client accepted", a);
  show_peer6("v4 client accepted", a);
  SHOW(send(a, "to a v4 client", 14, 0));
  PEER_SHOW("wait out rx=14");
  PEER_SHOW("text out hello from v4");
  await_recv("a", a, 100, 0);
  PEER_SHOW("connect " US6 " 20350 discard 3000");
  int b = show_accept6("v6 client", l);
  show_name6("v6 client accepted", b);
  int c4 = tcp_socket();
  struct sockaddr_in lo = sin_of(LOOP, 20350);
  SHOW(connect(c4, SA(lo), sizeof lo));
  int c = show_accept6("127.0.0.1 client", l);
  show_name6("127.0.0.1 client accepted", c);
  show_name("the v4 client itself", c4);
  show_peer("the v4 client itself", c4);
  int o = tcp6_listener(ANY6, 20351, 8, 1);
  show_name6("v6only listener", o);
  PEER_SHOW("connect " US " 20351 discard 3000");
  PEER_SHOW("connect " US6 " 20351 discard 3000");
  int d = show_accept6("v6only", o);
  int f = tcp_listener("0.0.0.0", 20351, 8);
  PEER_SHOW("connect " US " 20351 discard 3000");
  struct sockaddr_in fa;
  socklen_t fl = sizeof fa;
  await_ms(f, POLLIN, 3000);
  int g = accept(f, SA(fa), &fl);
  SAY("accept(v4 listener beside) = %s from %s", g < 0 ? errname(errno) : "ok", g < 0 ? "-" : in_str(&fa, fl));
  (void)d;
  return 0;
}
