/* ICMP errors to a SYN over IPv4 (the twin of tcp6 refused's ICMPv6
 * part): the peer answers port 9997 with port unreachable, 9996 with
 * administratively prohibited (run_tcp_case.sh). A blocking connect fails
 * at once with the error, which SO_ERROR does not give again (Linux
 * tcp_v4_err: tcp_done_with_error when the socket is not owned by the
 * user; the runner delays the kernel peer's ICMP so that it never comes
 * back inside connect itself); a nonblocking one polls the failure, and
 * SO_ERROR gives the error once. The source address stays until a connect
 * reports the failure (tcp_disconnect's inet_reset_saddr), the port after. */
#include "tcp_compat.h"
enum { ICMP_UNREACH_PORT = 9997, ICMP_PROHIBITED_PORT = 9996 };
static void blocking(const char *label, int port) {
  int s = tcp_socket();
  struct sockaddr_in a = sin_of(PEER, port);
  int r = connect(s, SA(a), sizeof a);
  SAY("%s: connect = %d %s", label, r, r < 0 ? errname(errno) : "");
  show_so_error(label, s);
  show_name(label, s);
  r = connect(s, SA(a), sizeof a);
  SAY("%s: connect again = %d %s", label, r, r < 0 ? errname(errno) : "");
  close(s);
}
static void nb(const char *label, int port) {
  int s = tcp_socket();
  set_nonblock(s, 1);
  struct sockaddr_in a = sin_of(PEER, port);
  int r = connect(s, SA(a), sizeof a);
  SAY("%s: connect = %d %s", label, r, r < 0 ? errname(errno) : "");
  await_ms(s, POLLOUT, 3000);
  show_poll_now(label, s);
  show_so_error(label, s);
  show_so_error(label, s);
  show_name(label, s);
  r = connect(s, SA(a), sizeof a);
  SAY("%s: connect again = %d %s", label, r, r < 0 ? errname(errno) : "");
  show_name(label, s);
  show_peer(label, s);
  set_nonblock(s, 0);
  struct sockaddr_in e = sin_of(PEER, ECHO_PORT);
  SHOW(connect(s, SA(e), sizeof e));
  close(s);
}
int main(void) {
  blocking("port unreachable", ICMP_UNREACH_PORT);
  blocking("prohibited", ICMP_PROHIBITED_PORT);
  nb("nb port unreachable", ICMP_UNREACH_PORT);
  nb("nb prohibited", ICMP_PROHIBITED_PORT);
  return 0;
}
