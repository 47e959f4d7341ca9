/* ICMPv6 ping sockets (socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6), as
 * net.ipv4.ping_group_range allows): an echo request to the peer and to ::1
 * comes back as an echo reply with the socket's identifier and our
 * sequence and data; the source is the address pinged; other ICMPv6 types
 * cannot be sent (EINVAL); getsockname shows the identifier as the port. */
#include "udp6_compat.h"
static ssize_t ping(int s, const char *to, uint16_t seq, const char *data, uint8_t type) {
  unsigned char b[128];
  struct icmp6_hdr *h = (struct icmp6_hdr *)b;
  memset(b, 0, sizeof b);
  h->icmp6_type = type;
  h->icmp6_code = 0;
  h->icmp6_id = htons(4242);
  h->icmp6_seq = htons(seq);
  size_t n = strlen(data);
  memcpy(b + sizeof *h, data, n);
  struct sockaddr_in6 a = sin6_of(to, 0);
  return sendto(s, b, sizeof *h + n, 0, SA(a), sizeof a);
}
static void pong(int s, const char *label, int id) {
  unsigned char b[256];
  struct sockaddr_storage from;
  socklen_t fl = sizeof(struct sockaddr_in6);
  await(s, POLLIN);
  ssize_t n = recvfrom(s, b, sizeof b, MSG_DONTWAIT, SA(from), &fl);
  if (n < 0) { SAY("recvfrom(%s) = -1 %s", label, errname(errno)); return; }
  struct icmp6_hdr *h = (struct icmp6_hdr *)b;
  SAY("recvfrom(%s) = %zd type %u code %u id %s seq %u data %s from %s", label, n, h->icmp6_type, h->icmp6_code,
      ntohs(h->icmp6_id) == id ? "ours" : "other", ntohs(h->icmp6_seq), data_str(b + 8, n - 8), in6_str(&from, fl));
}
int main(void) {
  int s = (int)CKOK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  if (s < 0) return 0;
  show_name6("fresh", s);
  SHOW(ping(s, PEER6, 1, "ping the peer", ICMP6_ECHO_REQUEST));
  int id = port6_of(s);
  SAY("identifier after the first ping: %s", id ? "nonzero" : "0");
  pong(s, "peer", id);
  SHOW(ping(s, LOOP6, 2, "ping lo", ICMP6_ECHO_REQUEST));
  pong(s, "lo", id);
  SHOW(ping(s, US6, 3, "ping ourselves", ICMP6_ECHO_REQUEST));
  pong(s, "us", id);
  SHOW(ping(s, PEER6, 4, "a reply", ICMP6_ECHO_REPLY));
  SHOW(ping(s, PEER6, 5, "a dest unreach", ICMP6_DST_UNREACH));
  struct sockaddr_in6 a = sin6_of(ANY6, 777);
  int b = (int)MUST(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6));
  SHOW(bind(b, SA(a), sizeof a));
  show_name6("b bound to id 777", b);
  struct sockaddr_in6 pe = sin6_of(PEER6, 0);
  SHOW(connect(b, SA(pe), sizeof pe));
  show_peer6("b", b);
  unsigned char req[16] = {ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 9, 'c', 'o', 'n', 'n', 'e', 'c', 't', 'd'};
  SHOW(send(b, req, sizeof req, 0));
  pong(b, "connected", 777);
  return 0;
}
