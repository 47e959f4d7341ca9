/* Dual-stack port conflicts for TCP: [::]:P and 0.0.0.0:P in both orders,
 * with and without V6ONLY, with SO_REUSEADDR on both (bind shares, the
 * second listen is EADDRINUSE) and on one; mapped and IPv6 specific
 * addresses beside IPv4 wildcards; V6ONLY after bind EINVAL. */
#include "tcp6_compat.h"
#define DUAL_BIND_TYPE SOCK_STREAM
#include "../dual_bind.h"
static void lis(const char *label, int s) {
  int r = listen(s, 4);
  SAY("listen(%s) = %d %s", label, r, r < 0 ? errname(errno) : "");
}
int main(void) {
  SAY("-- [::] first");
  v6(ANY6, 20370, -1, 0); v4("0.0.0.0", 20370, 0); v4(US, 20370, 0);
  SAY("-- 0.0.0.0 first");
  v4("0.0.0.0", 20371, 0); v6(ANY6, 20371, 0, 0); v6(ANY6, 20371, 1, 0);
  SAY("-- V6ONLY [::] first");
  v6(ANY6, 20372, 1, 0); v4("0.0.0.0", 20372, 0);
  SAY("-- SO_REUSEADDR on both");
  int a = v6(ANY6, 20373, 0, 1), b = v4("0.0.0.0", 20373, 1);
  lis("v6", a); lis("v4", b);
  int c = v4("0.0.0.0", 20374, 1), d = v6(ANY6, 20374, 0, 1);
  lis("v4", c); lis("v6", d);
  int e = v6(ANY6, 20375, 0, 1);
  lis("v6", e);
  v4("0.0.0.0", 20375, 1);
  SAY("-- SO_REUSEADDR on one");
  v6(ANY6, 20376, 0, 1); v4("0.0.0.0", 20376, 0);
  SAY("-- mapped and specific");
  v4(US, 20377, 0); v6(MAPPED_US, 20377, 0, 0); v6(US6, 20377, 0, 0); v6(ANY6, 20377, 1, 0);
  v6(MAPPED_US, 20378, 0, 0); v4("0.0.0.0", 20378, 0); v4(LOOP, 20378, 0);
  v4("0.0.0.0", 20379, 0); v6(US6, 20379, 0, 0); v6(LOOP6, 20379, 0, 0);
  int f = v6(ANY6, 20380, 0, 0);
  SHOW(set_int(f, SOL_IPV6, IPV6_V6ONLY, 1));
  return 0;
}
