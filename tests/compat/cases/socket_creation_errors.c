/* socket(): unsupported types and protocols in the local domain. */
#include "../compat.h"
int main(void) {
  SHOW(socket(AF_UNIX, SOCK_RAW, 0));
  SHOW(socket(AF_UNIX, SOCK_STREAM, 1));
  SHOW(socket(AF_UNIX, SOCK_STREAM, PF_UNIX));
  SHOW(socket(AF_UNIX, SOCK_DGRAM, 17));
  SHOW(socket(AF_UNIX, 99, 0));
  SHOW(socket(AF_UNIX, SOCK_RDM, 0));
  int s = SHOW(socket(AF_UNIX, SOCK_SEQPACKET, 0));
  SHOW(close(s));
  SHOW(close(s));
  return 0;
}
