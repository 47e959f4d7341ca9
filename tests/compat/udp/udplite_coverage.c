/* Sending with coverages: the kernel's UDP-Lite echo on 7 takes any legal
 * coverage (so the checksum over the covered part must be right), the one
 * on 8 wants at least 20 bytes covered (UDPLITE_RECV_CSCOV 20): a partial
 * coverage below it is dropped there, full coverage (option unset, 0, or at
 * least the datagram's length) is not. */
#include "udplite_compat.h"
int main(void) {
  const char *t = "0123456789abcdefghijklmnopqrstuvwxyz";  /* 36 bytes, 44 with the header */
  lite_echo("7 unset", LITE_ECHO, -1, t);
  lite_echo("7 cov 0", LITE_ECHO, 0, t);
  lite_echo("7 cov 3", LITE_ECHO, 3, t);
  lite_echo("7 cov 8", LITE_ECHO, 8, t);
  lite_echo("7 cov 13", LITE_ECHO, 13, t);
  lite_echo("7 cov 43", LITE_ECHO, 43, t);
  lite_echo("7 cov 44", LITE_ECHO, 44, t);
  lite_echo("7 cov 1000", LITE_ECHO, 1000, t);
  lite_echo("7 empty cov 8", LITE_ECHO, 8, "");
  lite_echo("8 unset", LITE_ECHO_MIN20, -1, t);
  lite_echo("8 cov 0", LITE_ECHO_MIN20, 0, t);
  lite_echo("8 cov 12", LITE_ECHO_MIN20, 12, t);
  lite_echo("8 cov 19", LITE_ECHO_MIN20, 19, t);
  lite_echo("8 cov 20", LITE_ECHO_MIN20, 20, t);
  lite_echo("8 cov 30", LITE_ECHO_MIN20, 30, t);
  lite_echo("8 short datagram cov 12", LITE_ECHO_MIN20, 12, "abcd");
  return 0;
}
