/* Large datagrams to us over IPv6: the peer sends 1452 bytes (one packet
 * on the 1500-byte link) and 1453, 3000, 20000 and 65000 bytes (its kernel
 * fragments them; we reassemble): each arrives whole, with its padding;
 * over ::1 the largest (65527) too; a 2048-byte buffer gets MSG_TRUNC. */
#include "udp6_compat.h"
static char buf[70000];
static void one(int s, int size) {
  const char *r = peer_cmd("send %s %d %d 64 0 1 %d big%d", US6, 20500, 20501, size, size);
  if (strcmp(r, "done") != 0) SAY("peer send %d: %s", size, r[0] ? r : "(no answer)");
  await(s, POLLIN);
  struct sockaddr_in6 from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(s, buf, sizeof buf, MSG_DONTWAIT, SA(from), &fl);
  if (n < 0) { SAY("recvfrom(%d) = -1 %s", size, errname(errno)); return; }
  char head[16];
  int hl = snprintf(head, sizeof head, "big%d", size);
  int ok = n >= hl && memcmp(buf, head, (size_t)hl) == 0;
  for (ssize_t i = hl; ok && i < n; i++) ok = buf[i] == '.';
  SAY("recvfrom(%d) = %zd from %s content %s", size, n, in6_str(&from, fl), ok ? "ok" : "BAD");
}
int main(void) {
  int s = udp6_bound(ANY6, 20500);
  one(s, 1452);
  one(s, 1453);
  one(s, 3000);
  one(s, 20000);
  one(s, 65000);
  drain6("s", s);
  int l = udp6_bound(LOOP6, 20502);
  int t = udp6_socket();
  memset(buf, 'z', sizeof buf);
  struct sockaddr_in6 to = sin6_of(LOOP6, 20502);
  SHOW(sendto(t, buf, 65527, 0, SA(to), sizeof to));
  SHOW(sendto(t, buf, 3000, 0, SA(to), sizeof to));
  await(l, POLLIN);
  SHOW(recv(l, buf, sizeof buf, MSG_DONTWAIT));
  await(l, POLLIN);
  show_recvmsg6("truncated", l, MSG_DONTWAIT, 0);
  return 0;
}
