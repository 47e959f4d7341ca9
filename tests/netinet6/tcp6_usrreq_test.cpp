// bind and connect of AF_INET6 TCP sockets with Linux's errnos (inet6_bind,
// tcp_v6_connect, measured on Linux 6.18 where it matters): address checks,
// link-local scope ids, V6ONLY after a specific bind, :: as this host, and
// what tcp6_input will not take (a v4-mapped or unspecified source).
#include <set>

#include "netinet/in_hash.hpp"
#include "netinet6/tcp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;
using namespace std::chrono_literals;

namespace {

SockAddr scoped(const In6& a, uint16_t port, uint32_t scope) {
  sockaddr_in6 s{};
  s.sin6_family = AF_INET6;
  s.sin6_port = htons(port);
  std::memcpy(&s.sin6_addr, a.data(), 16);
  s.sin6_scope_id = scope;
  return SockAddr::from(&s, sizeof s);
}

}  // namespace

TEST_CASE("tcp6 usrreq: bind of an AF_INET6 socket: addresses, lengths, families and link-local scope ids as Linux") {
  TcpHost6 h;
  auto bind6 = [&](const SockAddr& nam) {
    Socket* so = tcp6_socket(h.st);
    const int e = sobind(*so, nam, Td{});
    soclose(*so);
    return e;
  };
  CHECK(bind6(sin6(a6("ff02::1"), 0)) == EINVAL);             // multicast: not for TCP
  CHECK(bind6(sin6(a6("2001:db8::99"), 0)) == EADDRNOTAVAIL);  // not ours
  CHECK(bind6(sin6_mapped(0xc6120099, 0)) == EADDRNOTAVAIL);  // nor this IPv4 one
  CHECK(bind6(test::sin(kUs4, 0)) == EINVAL);                 // a sockaddr_in: too short
  SockAddr v4long = sin6(kUs, 0);
  v4long.ss.ss_family = AF_INET;
  CHECK(bind6(v4long) == EAFNOSUPPORT);
  CHECK(bind6(sin6(kUsLL, 0)) == EINVAL);                     // link-local without an interface
  CHECK(bind6(scoped(kUsLL, 0, 99)) == ENODEV);
  CHECK(bind6(scoped(kUsLL, 0, uint32_t(h.tun->if_index))) == 0);
  CHECK(bind6(sin6(kUs, 1000)) == 0);                         // Td{} is root
  // A specific IPv6 address makes the socket IPv6-only; :: and a mapped one do not.
  Socket* a = tcp6_socket(h.st);
  REQUIRE(sobind(*a, sin6(kUs, 0), Td{}) == 0);
  int on = -1;
  REQUIRE(test::getopt_int(*a, IPPROTO_IPV6, IPV6_V6ONLY, &on) == 0);
  CHECK(on == 1);
  CHECK(sobind(*a, sin6(kUs, 0), Td{}) == EINVAL);            // bound already
  Socket* b = tcp6_socket(h.st);
  REQUIRE(sobind(*b, sin6(In6{}, 0), Td{}) == 0);
  REQUIRE(test::getopt_int(*b, IPPROTO_IPV6, IPV6_V6ONLY, &on) == 0);
  CHECK(on == 0);
  const sockaddr_in6 nb = name6(*b, false);
  CHECK(addr_of(nb) == In6{});
  CHECK(ntohs(nb.sin6_port) >= 32768);
  // An unbound socket's name is [::]:0.
  Socket* c = tcp6_socket(h.st);
  const sockaddr_in6 nc = name6(*c, false);
  CHECK(addr_of(nc) == In6{});
  CHECK(nc.sin6_port == 0);
  for (Socket* so : {a, b, c}) soclose(*so);
}

TEST_CASE("tcp6 usrreq: connect of an AF_INET6 socket: :: is ::1, multicast ENETUNREACH, link-local needs a scope id, no route ENETUNREACH") {
  TcpHost6 h(1, 1500);
  Socket* l = tcp6_listener(h.st, 80);
  Socket* c = tcp6_socket(h.st);
  REQUIRE(soconnect(*c, sin6(In6{}, 80), Td{}) == 0);
  for (int i = 0; i < 100 && l->so_comp.empty(); ++i) h.advance(1ms);
  REQUIRE(!l->so_comp.empty());
  CHECK(addr_of(name6(*c, true)) == a6("::1"));
  CHECK(addr_of(name6(*c, false)) == a6("::1"));
  Socket* s = test::accept_one(*l);
  REQUIRE(s);
  // Over loopback (MTU 65536): the MSS is 65536 - 60 (Linux 6.18's TCP_INFO
  // says advmss 65464 with timestamps, pmtu 65536).
  CHECK(test::tcb(*s)->t_advmss == 65476);
  Socket* m = tcp6_socket(h.st);
  CHECK(soconnect(*m, sin6(a6("ff02::1"), 80), Td{}) == ENETUNREACH);
  CHECK(soconnect(*m, sin6(kPeerLL, 80), Td{}) == EINVAL);
  CHECK(soconnect(*m, scoped(kPeerLL, 80, uint32_t(h.tun->if_index)), Td{}) == 0);
  auto syn = seg6_parse(h.out.back());
  REQUIRE(syn);
  CHECK(syn->ip.src == kUsLL);  // RFC 6724 rule 2: a link-local source for a link-local peer
  TcpHost6 nodef(2, 1500, false);  // no default route
  Socket* n = tcp6_socket(nodef.st);
  CHECK(soconnect(*n, sin6(kFar, 80), Td{}) == ENETUNREACH);
  for (Socket* so : {c, s, m, l}) soclose(*so);
  soclose(*n);
}

TEST_CASE("tcp6 usrreq: tcp6_input drops a segment with a v4-mapped or unspecified source or a multicast destination (counted, no reset)") {
  TcpHost6 h;
  wire::TcpRepr t;
  t.sport = 4000;
  t.dport = 80;
  t.seq = 1;
  t.flags = wire::TH_SYN;
  h.inject(tcp6_pkt(in6_mapped(kPeer4), kUs, t));
  h.inject(tcp6_pkt(In6{}, kUs, t));
  CHECK(h.out.empty());
  CHECK(h.ts().rcvbadaddr == 2);
  CHECK(h.ts().sndrst == 0);
  // The same SYN from a real address gets its reset.
  h.inject(tcp6_pkt(kPeer, kUs, t));
  CHECK(h.ts().sndrst == 1);
}

TEST_CASE("tcp6 usrreq: a port bind() chose stays the socket's through connect, in both families (Linux), and leaves the port table with it") {
  TcpHost6 h;
  Socket* l4 = test::tcp_listener(h.st, 80);
  Socket* l6 = tcp6_listener(h.st, 81);
  auto check = [&](Socket* c, const SockAddr& any, const SockAddr& to) {
    REQUIRE(sobind(*c, any, Td{}) == 0);
    SockAddr n;
    REQUIRE(sogetsockname(*c, &n) == 0);
    const uint16_t port = ntohs(reinterpret_cast<const sockaddr_in&>(n.ss).sin_port);  // same offset in sockaddr_in6
    REQUIRE(port != 0);
    REQUIRE(soconnect(*c, to, Td{}) == 0);
    REQUIRE(sogetsockname(*c, &n) == 0);
    CHECK(ntohs(reinterpret_cast<const sockaddr_in&>(n.ss).sin_port) == port);
    CHECK(h.g().ports.count(port) == 1);
  };
  Socket* c4 = tcp4_socket(h.st);
  check(c4, test::sin(0, 0), test::sin(kUs4, 80));
  Socket* c6 = tcp6_socket(h.st);
  check(c6, sin6(In6{}, 0), sin6(kUs, 81));
  for (int i = 0; i < 100 && (l4->so_comp.empty() || l6->so_comp.empty()); ++i) h.advance(1ms);
  Socket* s4 = test::accept_one(*l4);
  Socket* s6 = test::accept_one(*l6);
  REQUIRE(s4);
  REQUIRE(s6);
  for (Socket* so : {c4, c6, s4, s6, l4, l6}) soclose(*so);
  for (int i = 0; i < 200 && !h.g().ports.empty(); ++i) h.advance(1s);
  CHECK(h.g().ports.empty());
  CHECK(h.g().conn.empty());
  CHECK(h.g().conn6.empty());
  CHECK(h.st.sockets().empty());
}

TEST_CASE("tcp6 usrreq: RFC 6528 ISNs and RFC 6056 ports over IPv6 addresses: keyed per stack, per 4-tuple, the 64 ns clock") {
  TcpHost6 a(42), b(42), c(43);
  Inet& ia = inet(a.st);
  const uint32_t i0 = in6_isn(ia, kUs, 40000, kFar, 80);
  CHECK(i0 == in6_isn(inet(b.st), kUs, 40000, kFar, 80));
  CHECK(i0 != in6_isn(inet(c.st), kUs, 40000, kFar, 80));
  // Every field of the 4-tuple counts, the last address byte too.
  In6 far2 = kFar;
  far2[15] ^= 1;
  std::set<uint32_t> seen = {i0, in6_isn(ia, kUs, 40001, kFar, 80), in6_isn(ia, kUs, 40000, kFar, 81),
                             in6_isn(ia, kUs, 40000, far2, 80), in6_isn(ia, kPeer, 40000, kFar, 80)};
  CHECK(seen.size() == 5);
  // Not the IPv4 hash of the mapped addresses either.
  CHECK(in6_isn(ia, in6_mapped(kUs4), 40000, in6_mapped(kPeer4), 80) != in_isn(ia, kUs4, 40000, kPeer4, 80));
  a.advance(std::chrono::microseconds(64));
  CHECK(in6_isn(ia, kUs, 40000, kFar, 80) - i0 == 1000);
  // Ephemeral ports: the same for the same key, another start per destination.
  auto all = [](uint16_t) { return true; };
  const uint16_t pa = in6_ephemeral_port(inet(b.st), kUs, kFar, 80, all);
  CHECK(pa == in6_ephemeral_port(ia, kUs, kFar, 80, all));
  std::set<uint16_t> starts;
  for (uint16_t fport = 1; fport <= 16; ++fport) starts.insert(in6_ephemeral_port(inet(c.st), kUs, kFar, fport, all));
  CHECK(starts.size() >= 14);
  for (uint16_t p : starts) {
    CHECK(p >= 32768);
    CHECK(p <= 60999);
  }
  // connect() takes the port from it: a second connect to the same peer
  // gets a different one, each in the range.
  Socket* c1 = tcp6_socket(a.st);
  Socket* c2 = tcp6_socket(a.st);
  REQUIRE(soconnect(*c1, sin6(kPeer, 80), Td{}) == 0);
  REQUIRE(soconnect(*c2, sin6(kPeer, 80), Td{}) == 0);
  const uint16_t p1 = ntohs(name6(*c1, false).sin6_port), p2 = ntohs(name6(*c2, false).sin6_port);
  CHECK(p1 != p2);
  CHECK(p1 >= 32768);
  CHECK(p2 >= 32768);
  soclose(*c1);
  soclose(*c2);
}
