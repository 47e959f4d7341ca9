// The loopback interface: what is sent on it is received on it, from a
// callout at the current time (FreeBSD if_loop.c queues to netisr), so an
// output path never re-enters input (a UDP send that draws a port
// unreachable sees the error after the call, as on Linux). Each domain's
// attach gives it that domain's address (127.0.0.1/8, ::1/128).
#include <memory>

#include "kern/stack.hpp"
#include "net/if.hpp"

namespace tunsock {

namespace {

int looutput(ifnet& ifp, mbuf* m) {
  Stack& st = *ifp.if_stack;
  // Held so that a stack destroyed with the packet still queued frees it.
  auto held = std::make_shared<MbufPtr>(m);
  st.callout_reset(st.now(), [&ifp, held] { if_input(ifp, held->release()); });
  return 0;
}

}  // namespace

ifnet& loif_attach(Stack& st) {
  if (ifnet* lo = if_loopback(st)) return *lo;
  return if_attach(st, "lo", 65536, IFF_LOOPBACK, looutput);
}

}  // namespace tunsock
