/* connect to a bound stream socket that does not listen: ECONNREFUSED; after its close too. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "s");
  int b = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(b, (struct sockaddr*)&a, la));
  int c = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c, (struct sockaddr*)&a, la));
  SHOW(close(b));
  SHOW(connect(c, (struct sockaddr*)&a, la));
  int sp = SHOW(socket(AF_UNIX, SOCK_SEQPACKET, 0));
  SHOW(connect(sp, (struct sockaddr*)&a, la));
  return 0;
}
