/* Dual-stack port conflicts for UDP (Linux's rules): [::]:P then
 * 0.0.0.0:P is EADDRINUSE, and the other order too, unless the IPv6 socket
 * is V6ONLY; SO_REUSEADDR on both lets them share; [::ffff:198.18.0.2]:P
 * conflicts with 198.18.0.2:P and with 0.0.0.0:P; [2001:db8::2]:P does
 * not conflict with 0.0.0.0:P; V6ONLY [::]:P with V6ONLY [::]:P does. */
#include "udp6_compat.h"
#define DUAL_BIND_TYPE SOCK_DGRAM
#include "../dual_bind.h"
int main(void) {
  SAY("-- [::] first");
  v6(ANY6, 20240, -1, 0); v4("0.0.0.0", 20240, 0); v4(US, 20240, 0); v4(LOOP, 20240, 0);
  SAY("-- 0.0.0.0 first");
  v4("0.0.0.0", 20241, 0); v6(ANY6, 20241, 0, 0); v6(ANY6, 20241, 1, 0); v6(US6, 20241, -1, 0);
  SAY("-- V6ONLY [::] first");
  v6(ANY6, 20242, 1, 0); v4("0.0.0.0", 20242, 0); v6(ANY6, 20242, 1, 0); v6(ANY6, 20242, 0, 0);
  SAY("-- SO_REUSEADDR on both");
  v6(ANY6, 20243, 0, 1); v4("0.0.0.0", 20243, 1); v4("0.0.0.0", 20244, 1); v6(ANY6, 20244, 0, 1);
  SAY("-- SO_REUSEADDR on one");
  v6(ANY6, 20245, 0, 1); v4("0.0.0.0", 20245, 0);
  SAY("-- mapped addresses");
  v4(US, 20246, 0); v6(MAPPED_US, 20246, 0, 0); v6(ANY6, 20246, 0, 0); v6(US6, 20246, 0, 0);
  v6(MAPPED_US, 20247, 0, 0); v4(US, 20247, 0); v4("0.0.0.0", 20247, 0); v4(LOOP, 20247, 0);
  v6(MAPPED_LOOP, 20247, 0, 0);
  v6(MAPPED_US, 20248, 1, 0);
  v6("::ffff:0.0.0.0", 20249, 0, 0); v4("0.0.0.0", 20249, 0); v6(ANY6, 20249, 0, 0);
  SAY("-- specific v6 and any v4");
  v4("0.0.0.0", 20250, 0); v6(US6, 20250, 0, 0); v6(LOOP6, 20250, 0, 0);
  return 0;
}
