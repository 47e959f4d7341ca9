/* DEVIATION: Linux reports the source of a datagram as the sender's name at
 * the time it is *received*: a datagram sent unbound shows the name the
 * sender bound afterwards. tunsock records the name when the datagram is
 * sent (as BSD does), so it reports no name. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un r, s;
  socklen_t lr = path_name(&r, "rx"), ls = path_name(&s, "tx");
  int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
  bind(rx, (struct sockaddr*)&r, lr);
  int tx = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW(sendto(tx, "early", 5, 0, (struct sockaddr*)&r, lr));
  SHOW(bind(tx, (struct sockaddr*)&s, ls));
  struct sockaddr_un from;
  socklen_t fl = sizeof from;
  char buf[8];
  SHOW(recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr*)&from, &fl));
  SAY("from named %d", fl > sizeof(sa_family_t));
  return 0;
}
