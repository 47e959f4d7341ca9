/* A fresh, unconnected AF_UNIX stream socket polls OUT|HUP; an unbound
 * datagram socket polls OUT. */
#include "../compat.h"
int main(void) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  show_poll("unconnected stream", s);
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  show_poll("unbound dgram", d);
  return 0;
}
