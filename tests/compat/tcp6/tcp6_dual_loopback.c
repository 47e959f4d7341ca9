/* Dual stack on the local host: a [::] listener accepts a v4 client over
 * 127.0.0.1 and a v6 client connecting to ::ffff:127.0.0.1 (both seen as
 * ::ffff:127.0.0.1) and a ::1 client; an IPv4 listener on 127.0.0.1 is
 * reached by a v6 socket connecting to ::ffff:127.0.0.1 (the listener sees
 * an IPv4 peer); data on each. */
#include "tcp6_compat.h"
int main(void) {
  int l = tcp6_listener(ANY6, 20470, 8, 0);
  int c4 = tcp_connected(LOOP, 20470);
  int a = show_accept6("v4 client", l);
  int c6m = tcp6_connected(MAPPED_LOOP, 20470);
  int b = show_accept6("v6 client to mapped lo", l);
  show_name6("v6 client to mapped lo", c6m);
  show_peer6("v6 client to mapped lo", c6m);
  int c6 = tcp6_connected(LOOP6, 20470);
  int d = show_accept6("::1 client", l);
  SHOW(send(c4, "four", 4, 0));
  SHOW(send(c6m, "mapped", 6, 0));
  SHOW(send(c6, "six", 3, 0));
  await_recv("a", a, 10, 0);
  await_recv("b", b, 10, 0);
  await_recv("d", d, 10, 0);
  int l4 = tcp_listener(LOOP, 20471, 4);
  int m = tcp6_connected(MAPPED_LOOP, 20471);
  struct sockaddr_in p;
  socklen_t pl = sizeof p;
  await_ms(l4, POLLIN, 3000);
  int e = accept(l4, SA(p), &pl);
  SAY("accept(v4 listener) = %s from %s", e < 0 ? errname(errno) : "ok", e < 0 ? "-" : in_str(&p, pl));
  show_name("v4 side", e);
  show_name6("v6 side", m);
  SHOW(send(m, "cross", 5, 0));
  await_recv("e", e, 10, 0);
  return 0;
}
