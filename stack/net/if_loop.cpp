// The loopback interface: what is sent on it is received on it, from a
// callout at the current time (FreeBSD if_loop.c queues to netisr), so an
// output path never re-enters input (a UDP send that draws a port
// unreachable sees the error after the call, as on Linux).
#include <memory>

#include "netinet/in_var.hpp"

namespace tunsock {

int looutput(ifnet& ifp, mbuf* m) {
  Stack& st = *ifp.if_stack;
  // Held so that a stack destroyed with the packet still queued frees it.
  auto held = std::make_shared<MbufPtr>(m);
  st.callout_reset(st.now(), [&ifp, held] { if_input(ifp, held->release()); });
  return 0;
}

}  // namespace tunsock
