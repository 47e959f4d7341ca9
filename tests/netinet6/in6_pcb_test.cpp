// The in6_pcb layer through UDP sockets: Linux's dual-stack bind conflicts
// (inet_rcv_saddr_equal, both orders, V6ONLY, SO_REUSEADDR), IPV6_V6ONLY
// and net.ipv6.bindv6only, v4-mapped bind/connect and their errnos
// (af_inet6.c __inet6_bind, datagram.c __ip6_datagram_connect), and names
// rendered v4-mapped. Expected values are what Linux 6.x answers.
#include "netinet6/udp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

constexpr uint16_t kPort = 5000;

struct Side {
  int fam;          // AF_INET or AF_INET6
  const char* addr; // IPv4 dotted or IPv6 text
  bool v6only = false;
};

Socket* bound(Dual& h, const Side& s, bool reuse, int* err) {
  Socket* so = mk6(h.st, 0, nullptr, s.fam);
  if (s.v6only) REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  if (reuse) REQUIRE(setint(*so, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  SockAddr a;
  if (s.fam == AF_INET) {
    in_addr v4{};
    REQUIRE(inet_pton(AF_INET, s.addr, &v4) == 1);
    a = sa4(ntohl(v4.s_addr), kPort);
  } else {
    a = sa6(a6(s.addr), kPort);
  }
  *err = bind6(*so, a);
  return so;
}

// Binds first then second on kPort; the errno of the second.
int second_bind(const Side& first, const Side& second, bool reuse = false) {
  Dual h;
  int e1 = -1, e2 = -1;
  Socket* a = bound(h, first, reuse, &e1);
  REQUIRE(e1 == 0);
  Socket* b = bound(h, second, reuse, &e2);
  soclose(*b);
  soclose(*a);
  return e2;
}

}  // namespace

TEST_CASE("in6_pcb: bind conflicts between inet and inet6 sockets on one port are Linux's in both orders") {
  const Side any4{AF_INET, "0.0.0.0"}, us4{AF_INET, "198.18.0.1"};
  const Side any6{AF_INET6, "::"}, any6only{AF_INET6, "::", true}, us6{AF_INET6, "2001:db8::1"};
  const Side m_us4{AF_INET6, "::ffff:198.18.0.1"}, m_any4{AF_INET6, "::ffff:0.0.0.0"};
  struct Row {
    Side a, b;
    int want;  // both orders
    const char* what;
  } rows[] = {
      {any6, any4, EADDRINUSE, ":: without V6ONLY covers 0.0.0.0"},
      {any6only, any4, 0, ":: with V6ONLY leaves IPv4 free"},
      {any6, us4, EADDRINUSE, ":: without V6ONLY covers every IPv4 address"},
      {any6only, us4, 0, "V6ONLY :: and a specific IPv4 address"},
      {us6, any4, 0, "a specific IPv6 address and 0.0.0.0"},
      {us6, us4, 0, "a specific IPv6 address and a specific IPv4 one"},
      {any6, any6only, EADDRINUSE, "two :: collide whatever V6ONLY says"},
      {any6only, any6only, EADDRINUSE, "two V6ONLY ::"},
      {us6, any6, EADDRINUSE, ":: covers 2001:db8::1"},
      {us6, any6only, EADDRINUSE, "V6ONLY :: covers 2001:db8::1"},
      {m_us4, us4, EADDRINUSE, "::ffff:198.18.0.1 is 198.18.0.1"},
      {m_us4, any4, EADDRINUSE, "0.0.0.0 covers ::ffff:198.18.0.1"},
      {m_any4, any4, EADDRINUSE, "::ffff:0.0.0.0 is 0.0.0.0"},
      {m_any4, us4, EADDRINUSE, "::ffff:0.0.0.0 covers 198.18.0.1"},
      {m_us4, any6, EADDRINUSE, ":: without V6ONLY covers a v4-mapped address"},
      {m_us4, any6only, 0, "V6ONLY :: leaves v4-mapped addresses free"},
      {m_us4, us6, 0, "a v4-mapped and a non-mapped IPv6 address"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.what);
    CHECK(second_bind(r.a, r.b) == r.want);
    CHECK(second_bind(r.b, r.a) == r.want);
    // SO_REUSEADDR on both lets every pair share the port (Linux UDP).
    CHECK(second_bind(r.a, r.b, true) == 0);
  }
}

TEST_CASE("in6_pcb: a specific IPv6 address sets V6ONLY (Linux __inet6_bind): V6ONLY cannot change once bound") {
  Dual h;
  Socket* so = mk6(h.st);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_V6ONLY) == 0);  // net.ipv6.bindv6only = 0
  REQUIRE(bind6(*so, sa6(kUs, 5001)) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_V6ONLY) == 1);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_V6ONLY, 0) == EINVAL);
  Socket* so2 = mk6(h.st);
  REQUIRE(bind6(*so2, sa6(In6{}, 5002)) == 0);
  CHECK(getint(*so2, IPPROTO_IPV6, IPV6_V6ONLY) == 0);  // :: leaves it
  CHECK(setint(*so2, IPPROTO_IPV6, IPV6_V6ONLY, 1) == EINVAL);
  CHECK(setint(*so2, IPPROTO_IPV6, IPV6_V6ONLY, 1, 2) == EINVAL);  // short optlen
  soclose(*so);
  soclose(*so2);
}

TEST_CASE("in6_pcb: net.ipv6.bindv6only = 1 makes new inet6 sockets V6ONLY") {
  Dual h;
  in6_set_bindv6only(h.st, true);
  Socket* so = mk6(h.st);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_V6ONLY) == 1);
  CHECK(bind6(*so, sa6(mapped(kUs4), 5003)) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_V6ONLY, 0) == 0);
  CHECK(bind6(*so, sa6(mapped(kUs4), 5003)) == 0);
  in6_set_bindv6only(h.st, false);
  Socket* so2 = mk6(h.st);
  CHECK(getint(*so2, IPPROTO_IPV6, IPV6_V6ONLY) == 0);
  soclose(*so);
  soclose(*so2);
}

TEST_CASE("in6_pcb: bind's errnos as Linux inet6_bind gives them") {
  Dual h;
  Socket* so = mk6(h.st);
  SockAddr shortsa = sa6(kUs, 5004);
  shortsa.len = 23;
  CHECK(bind6(*so, shortsa) == EINVAL);                          // shorter than SIN6_LEN_RFC2133
  SockAddr v4 = sa4(kUs4, 5004);
  v4.len = sizeof(sockaddr_in6);
  CHECK(bind6(*so, v4) == EAFNOSUPPORT);                         // not AF_INET6
  CHECK(bind6(*so, sa6(kPeer, 5004)) == EADDRNOTAVAIL);          // not ours
  CHECK(bind6(*so, sa6(mapped(kPeer4), 5004)) == EADDRNOTAVAIL); // a mapped address not ours
  CHECK(bind6(*so, sa6(kUsLL, 5004)) == EINVAL);                 // link-local without a scope id
  CHECK(bind6(*so, sa6(kUsLL, 5004, 999)) == ENODEV);            // no such interface
  Td user;
  user.cred.uid = 1000;
  CHECK(sobind(*so, sa6(kUs, 80), user) == EACCES);              // below 1024, not root
  CHECK(bind6(*so, sa6(kUsLL, 5004, uint32_t(h.tun->if_index))) == 0);
  CHECK(bind6(*so, sa6(kUs, 5005)) == EINVAL);                   // already bound
  Socket* so2 = mk6(h.st);
  REQUIRE(setint(*so2, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  CHECK(bind6(*so2, sa6(mapped(kUs4), 5006)) == EINVAL);         // v4-mapped on a V6ONLY socket
  soclose(*so);
  soclose(*so2);
}

TEST_CASE("in6_pcb: getsockname/getpeername render v4-mapped for an IPv4-bound or -connected inet6 socket") {
  Dual h;
  Socket* so = mk6(h.st);
  SockAddr n;
  REQUIRE(sogetsockname(*so, &n) == 0);
  CHECK(n.family() == AF_INET6);
  CHECK(n.len == sizeof(sockaddr_in6));
  REQUIRE(bind6(*so, sa6(mapped(kUs4), 5010)) == 0);
  REQUIRE(sogetsockname(*so, &n) == 0);
  In6 a;
  uint16_t port;
  REQUIRE(in6_getsin6(n, &a, &port) == 0);
  CHECK(a == mapped(kUs4));
  CHECK(port == 5010);
  REQUIRE(connect6(*so, sa6(mapped(kPeer4), 53)) == 0);
  REQUIRE(sogetpeername(*so, &n) == 0);
  REQUIRE(in6_getsin6(n, &a, &port) == 0);
  CHECK(a == mapped(kPeer4));
  CHECK(port == 53);
  // The IPv4 PCB fields carry it (in_pcblookup finds it for IPv4 input).
  InPcb& inp = *sotoinpcb(*so);
  CHECK(inp.inp_vflag == INP_IPV4);
  CHECK(inp.inp_laddr == kUs4);
  CHECK(inp.inp_faddr == kPeer4);
  CHECK(in_pcblookup(h.in().udb, kPeer4, 53, kUs4, 5010) == &inp);
  CHECK(in6_pcblookup(h.in().udb, mapped(kPeer4), 53, mapped(kUs4), 5010) == nullptr);
  soclose(*so);
}

TEST_CASE("in6_pcb: connect to v4-mapped or AF_INET and the V6ONLY errnos (ENETUNREACH EAFNOSUPPORT)") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(connect6(*so, sa4(kPeer4, 7)) == 0);  // Linux takes a sockaddr_in on an inet6 datagram socket
  SockAddr n;
  REQUIRE(sogetsockname(*so, &n) == 0);
  In6 a;
  uint16_t port;
  REQUIRE(in6_getsin6(n, &a, &port) == 0);
  CHECK(a == mapped(kUs4));  // the source the IPv4 route chose
  CHECK(port >= 32768);
  SockAddr unspec;
  unspec.ss.ss_family = AF_UNSPEC;
  unspec.len = sizeof(sa_family_t);
  REQUIRE(connect6(*so, unspec) == 0);  // dissolves: both families again
  CHECK(sotoinpcb(*so)->inp_vflag == (INP_IPV4 | INP_IPV6));
  REQUIRE(sogetsockname(*so, &n) == 0);
  REQUIRE(in6_getsin6(n, &a, &port) == 0);
  CHECK(wire::in6_is_unspecified(a));

  Socket* only = mk6(h.st);
  REQUIRE(setint(*only, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  CHECK(connect6(*only, sa6(mapped(kPeer4), 7)) == ENETUNREACH);
  CHECK(connect6(*only, sa4(kPeer4, 7)) == EAFNOSUPPORT);
  CHECK(send6(*only, bytes("x"), nullptr) == EDESTADDRREQ);
  SockAddr to = sa6(mapped(kPeer4), 7);
  CHECK(send6(*only, bytes("x"), &to) == ENETUNREACH);
  SockAddr to4 = sa4(kPeer4, 7);
  CHECK(send6(*only, bytes("x"), &to4) == ENETUNREACH);
  soclose(*so);
  soclose(*only);
}

TEST_CASE("in6_pcb: connect over IPv6 picks the source (RFC 6724) :: means ::1 and a v4-mapped bind cannot reach IPv6") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(connect6(*so, sa6(kFar, 9)) == 0);
  SockAddr n;
  In6 a;
  uint16_t port;
  REQUIRE(sogetsockname(*so, &n) == 0);
  REQUIRE(in6_getsin6(n, &a, &port) == 0);
  CHECK(a == kUs);
  REQUIRE(sogetpeername(*so, &n) == 0);
  REQUIRE(in6_getsin6(n, &a, &port) == 0);
  CHECK(a == kFar);
  CHECK(port == 9);
  CHECK(sotoinpcb(*so)->inp_vflag == INP_IPV6);
  CHECK(in6_pcblookup(h.in().udb, kFar, 9, kUs, sotoinpcb(*so)->inp_lport) == sotoinpcb(*so));
  // ... and it no longer takes IPv4 (Linux: inet_rcv_saddr is LOOPBACK4_IPV6).
  CHECK(in_pcblookup(h.in().udb, kPeer4, 9, kUs4, sotoinpcb(*so)->inp_lport) == nullptr);

  Socket* self = mk6(h.st);
  REQUIRE(connect6(*self, sa6(In6{}, 9)) == 0);
  REQUIRE(sogetpeername(*self, &n) == 0);
  REQUIRE(in6_getsin6(n, &a, &port) == 0);
  CHECK(wire::in6_is_loopback(a));

  Socket* m = mk6(h.st);
  REQUIRE(bind6(*m, sa6(mapped(kUs4), 0)) == 0);
  CHECK(connect6(*m, sa6(kFar, 9)) == EAFNOSUPPORT);
  SockAddr to = sa6(kFar, 9);
  CHECK(send6(*m, bytes("x"), &to) == EAFNOSUPPORT);

  Socket* nr = mk6(h.st);
  REQUIRE(route6_set_default(h.st, In6{}) == 0);
  CHECK(connect6(*nr, sa6(kFar, 9)) == ENETUNREACH);
  soclose(*so);
  soclose(*self);
  soclose(*m);
  soclose(*nr);
}

TEST_CASE("in6_pcb: IPv4 input prefers an inet socket to a dual-stack one bound alike (Linux compute_score)") {
  Dual h;
  Socket* s6 = mk6(h.st);
  Socket* s4 = mk6(h.st, 0, nullptr, AF_INET);
  REQUIRE(setint(*s6, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(setint(*s4, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(bind6(*s6, sa6(In6{}, 5020)) == 0);
  REQUIRE(bind6(*s4, sa4(0, 5020)) == 0);
  CHECK(in_pcblookup(h.in().udb, kPeer4, 1, kUs4, 5020) == sotoinpcb(*s4));
  soclose(*s4);
  CHECK(in_pcblookup(h.in().udb, kPeer4, 1, kUs4, 5020) == sotoinpcb(*s6));
  REQUIRE(setint(*s6, IPPROTO_IPV6, IPV6_V6ONLY, 1) == EINVAL);  // bound: stays dual
  soclose(*s6);
}
