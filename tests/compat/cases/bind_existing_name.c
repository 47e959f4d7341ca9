/* bind to a name that is already bound: EADDRINUSE; binding a bound socket again: EINVAL. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a, b;
  socklen_t la = path_name(&a, "s");
  int s1 = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  int s2 = SHOW(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(s1, (struct sockaddr*)&a, la));
  SHOW(bind(s2, (struct sockaddr*)&a, la));
  socklen_t lb = path_name(&b, "t");
  SHOW(bind(s1, (struct sockaddr*)&b, lb));
  SHOW(access(b.sun_path, F_OK));
  SHOW(close(s1));
  SHOW(bind(s2, (struct sockaddr*)&a, la)); /* the file stays after close */
  SHOW(unlink(a.sun_path));
  SHOW(bind(s2, (struct sockaddr*)&a, la));
  struct stat st;
  SHOW(stat(a.sun_path, &st));
  SAY("is socket file: %d", S_ISSOCK(st.st_mode));
  return 0;
}
