/* A listener on [2001:db8::2]:20300; the peer connects over IPv6: accept
 * gives [2001:db8::1]:<eph> (28 bytes), the accepted socket's names, data
 * both ways; a listener on [::] accepts IPv6 too; a short address buffer to
 * accept truncates and returns the full length. */
#include "tcp6_compat.h"
int main(void) {
  int l = tcp6_listener(US6, 20300, 8, -1);
  show_name6("listener", l);
  show_peer6("listener", l);
  PEER_SHOW("connect " US6 " 20300 discard 3000");
  int a = show_accept6("l", l);
  show_name6("accepted", a);
  show_peer6("accepted", a);
  SHOW(send(a, "from the program", 16, 0));
  PEER_SHOW("wait out rx=16");
  PEER_SHOW("text out from the peer");
  await_recv("a", a, 100, 0);
  PEER_SHOW("shut out");
  show_poll_when("after the peer's FIN", a, POLLRDHUP);
  await_recv("a eof", a, 100, 0);
  close(a);
  int w = tcp6_listener(ANY6, 20301, 8, -1);
  show_name6("wildcard listener", w);
  PEER_SHOW("connect " US6 " 20301 hold 3000");
  int b = show_accept6("w", w);
  show_name6("accepted from [::]", b);
  PEER_SHOW("connect " US6 " 20301 hold 3000");
  await_ms(w, POLLIN, 3000);
  struct sockaddr_in6 sa;
  memset(&sa, 0x55, sizeof sa);
  socklen_t sl = 8;
  int c = accept(w, SA(sa), &sl);
  SAY("accept(short buffer) = %s len %u family %s", c < 0 ? errname(errno) : "ok", (unsigned)sl,
      sa.sin6_family == AF_INET6 ? "AF_INET6" : "other");
  return 0;
}
