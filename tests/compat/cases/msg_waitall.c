/* MSG_WAITALL waits for the whole amount across several writes; EOF ends it short. */
#include "../compat.h"
int main(void) {
  int l, c, a;
  connected_trio(SOCK_STREAM, "l", &l, &c, &a);
  pid_t p = fork();
  if (p == 0) {
    write(c, "abc", 3);
    sleep_ms(100);
    write(c, "def", 3);
    sleep_ms(100);
    write(c, "gh", 2);
    close(c);
    _exit(0);
  }
  close(c);
  char buf[32];
  long n = recv(a, buf, 6, MSG_WAITALL);
  show_data("waitall 6", buf, n);
  n = recv(a, buf, 10, MSG_WAITALL);
  show_data("waitall 10 (EOF after 2)", buf, n);
  waitpid(p, NULL, 0);
  return 0;
}
