/* IP_TTL and IP_TOS: defaults, ranges, -1 resets TTL, one-byte option
 * buffers; the peer sees the TTL and TOS we set on the datagram. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SHOW_OPT(s, SOL_IP, IP_TTL);
  SHOW_OPT(s, SOL_IP, IP_TOS);
  SHOW(set_int(s, SOL_IP, IP_TTL, 0));
  SHOW(set_int(s, SOL_IP, IP_TTL, 256));
  SHOW(set_int(s, SOL_IP, IP_TTL, 5));
  SHOW_OPT(s, SOL_IP, IP_TTL);
  SHOW(set_int(s, SOL_IP, IP_TTL, -1));
  SHOW_OPT(s, SOL_IP, IP_TTL);
  unsigned char one = 9;
  SHOW(setsockopt(s, SOL_IP, IP_TTL, &one, 1));
  SHOW_OPT(s, SOL_IP, IP_TTL);
  unsigned char got = 0;
  socklen_t gl = 1;
  SHOW(getsockopt(s, SOL_IP, IP_TTL, &got, &gl));
  SAY("one byte: %u (len %u)", got, (unsigned)gl);
  SHOW(setsockopt(s, SOL_IP, IP_TTL, &one, 0));
  SHOW(set_int(s, SOL_IP, IP_TOS, 0x10));
  SHOW_OPT(s, SOL_IP, IP_TOS);
  SHOW(set_int(s, SOL_IP, IP_TOS, 0x13));
  SHOW_OPT(s, SOL_IP, IP_TOS);
  SHOW(set_int(s, SOL_IP, IP_TOS, 0x1ff));
  SHOW_OPT(s, SOL_IP, IP_TOS);
  SHOW(set_int(s, SOL_IP, IP_TTL, 17));
  SHOW(set_int(s, SOL_IP, IP_TOS, 0x28));
  SENDTO(s, "marked", PEER, DISCARD_PORT);
  show_peer_last("discard");
  int d = udp_socket();
  SENDTO(d, "default", PEER, DISCARD_PORT);
  show_peer_last("discard");
  return 0;
}
