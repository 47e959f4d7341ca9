/* MSG_MORE and TCP_CORK hold small writes back; the data arrives whole
 * once the last write goes without them. */
#include "tcp_compat.h"
int main(void) {
  int s = connect_peer(ECHO_PORT);
  SHOW(send(s, "ab", 2, MSG_MORE));
  SHOW(send(s, "cd", 2, MSG_MORE));
  SHOW(send(s, "ef", 2, 0));
  char b[8];
  SHOW(recv_n(s, b, 6, 3000));
  SAY("echo %s", data_str(b, 6));
  return 0;
}
