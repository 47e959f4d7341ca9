/* ICMP ping sockets (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), as
 * net.ipv4.ping_group_range allows), the IPv4 twin of udp6_ping and
 * udp6_ping_errors: a send that fails still takes the identifier (Linux
 * inet_send_prepare), after which bind is EINVAL; echoes to the peer, lo and
 * ourselves; a socket connected to port 0 has no peer name (ENOTCONN), one
 * connected to a port has; AF_UNSPEC gives back an identifier connect took;
 * ping sockets start with SO_REUSEADDR and share an identifier only while
 * both keep it, whatever their addresses; bind's address checks come before
 * "already bound"; a raw ICMP socket's name carries its protocol. Identifiers
 * the kernel picks are not printed (its rover is one for all namespaces). */
#include "udp_compat.h"

#include <netinet/ip_icmp.h>

static ssize_t ping(int s, const char *to, uint16_t seq, const char *data, uint8_t type) {
  unsigned char b[128];
  memset(b, 0, sizeof b);
  b[0] = type;
  b[6] = (unsigned char)(seq >> 8);
  b[7] = (unsigned char)seq;
  size_t n = strlen(data);
  memcpy(b + 8, data, n);
  struct sockaddr_in a = sin_of(to, 0);
  return sendto(s, b, 8 + n, 0, SA(a), sizeof a);
}
static void pong(int s, const char *label, int id) {
  unsigned char b[256];
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  await(s, POLLIN);
  ssize_t n = recvfrom(s, b, sizeof b, MSG_DONTWAIT, SA(from), &fl);
  if (n < 0) { SAY("recvfrom(%s) = -1 %s", label, errname(errno)); return; }
  SAY("recvfrom(%s) = %zd type %u code %u id %s seq %u data %s from %s", label, n, b[0], b[1],
      ((b[4] << 8) | b[5]) == id ? "ours" : "other", (b[6] << 8) | b[7], data_str(b + 8, n - 8), in_str(&from, fl));
}
static void show_id(const char *label, int s) {
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  MUST(getsockname(s, SA(a), &l));
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
  SAY("getsockname(%s) = %s, identifier %s", label, ip, a.sin_port ? "nonzero" : "0");
}
int main(void) {
  int s = (int)CKOK(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
  if (s < 0) return 0;
  show_name("fresh", s);
  SHOW_OPT(s, SOL_SOCKET, SO_REUSEADDR);
  unsigned char req[8] = {ICMP_ECHO, 0, 0, 0, 0, 0, 0, 1};
  struct sockaddr_in p = sin_of(PEER, 0);
  SHOW(sendto(s, req, 4, 0, SA(p), sizeof p));
  show_id("after a short sendto", s);
  struct sockaddr_in b20 = sin_of("0.0.0.0", 20001);
  SHOW(bind(s, SA(b20), sizeof b20));
  SHOW(ping(s, PEER, 1, "ping the peer", ICMP_ECHO));
  int id = port_of(s);
  pong(s, "peer", id);
  SHOW(ping(s, LOOP, 2, "ping lo", ICMP_ECHO));
  pong(s, "lo", id);
  SHOW(ping(s, US, 3, "ping ourselves", ICMP_ECHO));
  pong(s, "us", id);
  SHOW(ping(s, PEER, 4, "a reply", ICMP_ECHOREPLY));
  SHOW(sendto(s, req, 8, 0, NULL, 0));

  int b = (int)MUST(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
  struct sockaddr_in a777 = sin_of("0.0.0.0", 20777);
  SHOW(bind(b, SA(a777), sizeof a777));
  SHOW(connect(b, SA(p), sizeof p));
  show_name("b connected", b);
  show_peer("b connected to port 0", b);
  unsigned char creq[16] = {ICMP_ECHO, 0, 0, 0, 0, 0, 0, 9, 'c', 'o', 'n', 'n', 'e', 'c', 't', 'd'};
  SHOW(send(b, creq, sizeof creq, 0));
  pong(b, "connected", 20777);
  struct sockaddr_in p9 = sin_of(PEER, 9);
  SHOW(connect(b, SA(p9), sizeof p9));
  show_peer("b connected to port 9", b);
  struct sockaddr_in un = sin_of("0.0.0.0", 0);
  un.sin_family = AF_UNSPEC;
  SHOW(connect(b, SA(un), sizeof un));
  show_name("b disconnected", b);
  show_peer("b disconnected", b);

  int c = (int)MUST(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
  SHOW(connect(c, SA(p), sizeof p));
  show_id("c connected", c);
  SHOW(connect(c, SA(un), sizeof un));
  show_id("c disconnected", c);
  struct sockaddr_in u778 = sin_of(US, 20778);
  SHOW(bind(c, SA(u778), sizeof u778));
  show_name("c", c);

  int d = (int)MUST(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
  struct sockaddr_in bc = sin_of(BCAST, 0), mc = sin_of("224.0.0.1", 0), fo = sin_of("198.18.0.99", 0);
  SHOW(bind(d, SA(bc), sizeof bc));
  SHOW(bind(d, SA(mc), sizeof mc));
  SHOW(bind(d, SA(fo), sizeof fo));
  SHOW(bind(d, SA(a777), sizeof a777));
  SHOW(bind(d, SA(fo), sizeof fo));
  SHOW(bind(d, SA(u778), sizeof u778));
  int e = (int)MUST(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
  SHOW(set_int(e, SOL_SOCKET, SO_REUSEADDR, 0));
  struct sockaddr_in l777 = sin_of(LOOP, 20777);
  SHOW(bind(e, SA(l777), sizeof l777));
  SHOW(bind(e, SA(u778), sizeof u778));
  struct sockaddr_in a779 = sin_of("0.0.0.0", 20779);
  SHOW(bind(e, SA(a779), sizeof a779));
  show_name("e", e);

  int r = (int)CKOK(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
  if (r < 0) return 0;
  show_name("raw", r);
  SHOW_OPT(r, SOL_SOCKET, SO_REUSEADDR);
  SHOW(connect(r, SA(p), sizeof p));
  show_name("raw connected", r);
  show_peer("raw connected to port 0", r);
  SHOW(connect(r, SA(p9), sizeof p9));
  show_peer("raw connected to port 9", r);
  return 0;
}
