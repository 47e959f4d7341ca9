/* connected datagram sockets: send without a name, getpeername, disconnect with AF_UNSPEC. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un r;
  socklen_t lr = path_name(&r, "recv");
  int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW(bind(rx, (struct sockaddr*)&r, lr));
  int tx = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  struct sockaddr_un p;
  socklen_t pl = sizeof p;
  SHOW(getpeername(tx, (struct sockaddr*)&p, &pl));
  SHOW(connect(tx, (struct sockaddr*)&r, lr));
  pl = sizeof p;
  SHOW(getpeername(tx, (struct sockaddr*)&p, &pl));
  SAY("peer %s", strrchr(p.sun_path, '/'));
  SHOW(send(tx, "one", 3, 0));
  SHOW(write(tx, "two", 3));
  char buf[8];
  long n = recv(rx, buf, sizeof buf, 0);
  show_data("recv", buf, n);
  n = read(rx, buf, sizeof buf);
  show_data("read", buf, n);
  struct sockaddr un = {.sa_family = AF_UNSPEC};
  SHOW(connect(tx, &un, sizeof un));
  SHOW(send(tx, "three", 5, 0));
  pl = sizeof p;
  SHOW(getpeername(tx, (struct sockaddr*)&p, &pl));
  return 0;
}
