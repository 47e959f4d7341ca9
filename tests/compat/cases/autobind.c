/* bind with only the family: an abstract name of five hex digits. */
#include "../compat.h"
int main(void) {
  int s = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  SHOW(bind(s, (struct sockaddr*)&a, sizeof(sa_family_t)));
  struct sockaddr_un got;
  socklen_t len = sizeof got;
  SHOW(getsockname(s, (struct sockaddr*)&got, &len));
  int hex = 1;
  for (int i = 1; i < 6; i++) hex &= !!strchr("0123456789abcdef", got.sun_path[i]);
  SAY("len %d leading NUL %d five hex digits %d", (int)len, got.sun_path[0] == 0, hex);
  SHOW(bind(s, (struct sockaddr*)&a, sizeof(sa_family_t)));
  SHOW(bind(s, (struct sockaddr*)&a, 1));
  int d = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(sendto(d, "hi", 2, 0, (struct sockaddr*)&got, len));
  char buf[8];
  struct sockaddr_un from;
  socklen_t fl = sizeof from;
  long n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr*)&from, &fl);
  show_data("recvfrom", buf, n);
  SAY("from len %d", (int)fl);
  return 0;
}
