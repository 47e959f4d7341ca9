/* DEVIATION: a fresh, unconnected AF_UNIX stream socket polls OUT|HUP on Linux;
 * under tunsock its descriptor is already one end of a connected socketpair
 * (the channel), which polls OUT only. Fixing it would mean handing the
 * application an unconnected kernel socket until connect() or listen(). */
#include "../compat.h"
int main(void) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  show_poll("unconnected stream", s);
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  show_poll("unbound dgram", d);
  return 0;
}
