/* connect to a name nobody bound: ENOENT; to a missing directory: ENOENT; to a regular file: ECONNREFUSED. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a;
  socklen_t la = path_name(&a, "nobody");
  int s = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(s, (struct sockaddr*)&a, la));
  la = path_name(&a, "nodir/x");
  SHOW(connect(s, (struct sockaddr*)&a, la));
  la = path_name(&a, "plainfile");
  int f = open(a.sun_path, O_CREAT | O_WRONLY, 0600);
  close(f);
  SHOW(connect(s, (struct sockaddr*)&a, la));
  int d = SHOW(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(connect(d, (struct sockaddr*)&a, la));
  return 0;
}
