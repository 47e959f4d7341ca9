/* Names of IPv6 TCP sockets through their life: fresh, bound to a port or
 * port 0, listening, connecting, connected (both ends, over the link and
 * over ::1), after the peer's FIN and after our shutdown; getpeername
 * ENOTCONN where there is no peer; lengths 28. */
#include "tcp6_compat.h"
int main(void) {
  int s = tcp6_socket();
  show_name6("fresh", s);
  struct sockaddr_in6 b = sin6_of(US6, 0);
  SHOW(bind(s, SA(b), sizeof b));
  show_name6("bound port 0", s);
  show_peer6("bound", s);
  SHOW(listen(s, 4));
  show_name6("listening", s);
  show_peer6("listening", s);
  int l = tcp6_listener(ANY6, 20330, 4, -1);
  int c = tcp6_connected(LOOP6, 20330);
  int a = (int)MUST(accept(l, NULL, NULL));
  show_name6("client over ::1", c);
  show_peer6("client over ::1", c);
  show_name6("accepted over ::1", a);
  show_peer6("accepted over ::1", a);
  int d = tcp6_connected(US6, 20330);
  int a2 = (int)MUST(accept(l, NULL, NULL));
  show_name6("client to our own address", d);
  show_peer6("accepted from our own address", a2);
  SHOW(shutdown(c, SHUT_WR));
  await_ms(a, POLLRDHUP, 3000);
  show_peer6("accepted after the client's FIN", a);
  show_name6("client after its shutdown", c);
  close(a);
  await_ms(c, POLLRDHUP, 3000);
  show_peer6("client after the close", c);
  int g = connect_peer6(GREET_PORT);
  show_name6("to greet", g);
  await_ms(g, POLLRDHUP, 3000);
  show_peer6("greet after its FIN", g);
  return 0;
}
