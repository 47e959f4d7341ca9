/* Unlinking a bound socket's file frees the name: a new socket may bind the
 * same path (or a new one, whose file may well get the old inode number
 * back), and connects reach the new socket, while the old one keeps working
 * for the connections it already has and still reports its old name. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un a, b;
  socklen_t al, bl = mk_path(&b, "b");
  int old = listener_at(&a, &al, "a", SOCK_STREAM, 4);
  int c0 = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  MUST(connect(c0, (struct sockaddr *)&a, al));
  int s0 = (int)MUST(accept(old, NULL, NULL));
  SHOW(unlink(a.sun_path));
  int c1 = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c1, (struct sockaddr *)&a, al));
  for (int i = 0; i < 5; i++) {  /* new files, likely on recycled inode numbers */
    int s = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
    char name[8];
    snprintf(name, sizeof name, "n%d", i);
    struct sockaddr_un n;
    socklen_t nl = mk_path(&n, name);
    int br = bind(s, (struct sockaddr *)&n, nl);
    SAY("bind %s = %d %s", name, br, br < 0 ? errname(errno) : "");
    SAY("unlink %s = %d", name, unlink(n.sun_path));
    close(s);
  }
  int fresh = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(fresh, (struct sockaddr *)&a, al));
  SHOW(listen(fresh, 4));
  int nb = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(bind(nb, (struct sockaddr *)&b, bl));
  int c2 = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  SHOW(connect(c2, (struct sockaddr *)&a, al));
  SHOW(write(c2, "to fresh", 8));
  int s2 = (int)MUST(accept(fresh, NULL, NULL));
  char buf[16];
  ssize_t n = read(s2, buf, sizeof buf);
  show_data("fresh listener's connection read", buf, n);
  set_nonblock(old, 1);
  SHOW(accept(old, NULL, NULL));
  show_sockname("old listener", old);
  SHOW(write(c0, "still", 5));
  n = read(s0, buf, sizeof buf);
  show_data("old connection read", buf, n);
  return 0;
}
