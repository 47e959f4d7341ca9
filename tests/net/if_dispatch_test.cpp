// The interface layer owns the interfaces and dispatches by family: a
// received packet goes to the input of the domain of its version nibble
// (Domain::dom_ifinput), whatever that domain is; with no domain for the
// family it is dropped at the interface; interfaces exist without any domain.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <utility>
#include <vector>

#include "kern/stack.hpp"
#include "net/if.hpp"

using namespace tunsock;

namespace {

std::vector<std::pair<int, int>> g_in;  // family, length

void fake4_input(ifnet& ifp, mbuf* m) {
  g_in.push_back({AF_INET, m->m_pkthdr.len});
  CHECK(m->m_pkthdr.rcvif == &ifp);
  m_freem(m);
}
void fake6_input(ifnet&, mbuf* m) {
  g_in.push_back({AF_INET6, m->m_pkthdr.len});
  m_freem(m);
}

Domain make_domain(int family, void (*input)(ifnet&, mbuf*)) {
  Domain d;
  d.dom_family = family;
  d.dom_ifinput = input;
  return d;
}
Domain fake4 = make_domain(AF_INET, fake4_input);
Domain fake6 = make_domain(AF_INET6, fake6_input);

}  // namespace

TEST_CASE("net: if_input hands each packet to the domain of its version nibble") {
  g_in.clear();
  Stack st;
  ifnet& ifp = if_attach(st, "t0", 1500, IFF_POINTOPOINT, nullptr);
  std::byte v4[20] = {std::byte(0x45)}, v6[40] = {std::byte(0x60)};
  // No domain at all: the interface drops it.
  if_input_bytes(ifp, v4, sizeof v4);
  CHECK(g_in.empty());
  CHECK(ifp.if_data.rx_dropped == 1);
  st.add_domain(&fake4);
  if_input_bytes(ifp, v4, sizeof v4);
  // Without an AF_INET6 domain an IPv6 packet goes to IPv4's input, which
  // counts the bad version.
  if_input_bytes(ifp, v6, sizeof v6);
  st.add_domain(&fake6);
  if_input_bytes(ifp, v6, sizeof v6);
  if_input_bytes(ifp, v4, sizeof v4);
  REQUIRE(g_in.size() == 4);
  CHECK(g_in[0] == std::pair{AF_INET, 20});
  CHECK(g_in[1] == std::pair{AF_INET, 40});
  CHECK(g_in[2] == std::pair{AF_INET6, 40});
  CHECK(g_in[3] == std::pair{AF_INET, 20});
  CHECK(ifp.if_data.rx_packets == 5);
}

TEST_CASE("net: interfaces and the loopback belong to the stack, not to a domain") {
  Stack st;
  CHECK(if_state(std::as_const(st)) == nullptr);
  ifnet& lo = loif_attach(st);
  CHECK(&loif_attach(st) == &lo);  // one loopback
  CHECK(lo.if_name == "lo");
  CHECK((lo.if_flags & IFF_LOOPBACK));
  CHECK(lo.if_addrs.empty());
  CHECK(lo.if_addrs6.empty());
  ifnet& t = if_attach(st, "t0", 1280, 0, nullptr);
  CHECK(t.if_index == 2);
  CHECK(if_find(st, "t0") == &t);
  CHECK(st.domains().empty());
  CHECK(if_state(st).ifs.size() == 2);
}
