// Dual-stack TCP (RFC 4291 §2.5.5.2 v4-mapped addresses, as Linux): two
// stacks on the in-memory link with 198.18.0.1/.2 and 2001:db8::1/::2. An
// AF_INET6 listener on :: takes IPv4 connections (the accepted socket is
// AF_INET6 with INP_IPV4, its peer ::ffff:a.b.c.d), an AF_INET6 socket
// connects to ::ffff:a.b.c.d over IPv4, IPV6_V6ONLY refuses both, and
// bind() conflicts across the families as Linux 6.18 decides (the matrix
// below was measured on it with the same sockets on 127.0.0.1/2 and ::1).
#include <netinet/tcp.h>

#include "netinet6/tcp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;
using namespace std::chrono_literals;
using test::kA;
using test::kB;

namespace {

const In6 kA6 = a6("2001:db8::1");
const In6 kB6 = a6("2001:db8::2");

struct Pair6 : test::TcpPair {
  Pair6() {
    REQUIRE(in6_add_address(link.a(), kA6, 64) == 0);
    REQUIRE(in6_add_address(link.b(), kB6, 64) == 0);
  }
};

// Connect c to nam and accept on l; the accepted socket.
Socket* handshake(Pair6& p, Socket& c, Socket& l, const SockAddr& nam) {
  REQUIRE(soconnect(c, nam, Td{}) == 0);
  REQUIRE(p.run_until([&] { return (c.so_state & SS_ISCONNECTED) && !l.so_comp.empty(); }, 10s));
  Socket* s = test::accept_one(l);
  REQUIRE(s);
  return s;
}

// "ping" one way, "pong" back.
void exchange(Pair6& p, Socket& c, Socket& s) {
  REQUIRE(test::tcp_send_str(c, "ping") == 0);
  std::string got;
  REQUIRE(p.run_until([&] { return (got += test::tcp_read(s)).size() >= 4; }, 5s));
  CHECK(got == "ping");
  REQUIRE(test::tcp_send_str(s, "pong") == 0);
  got.clear();
  REQUIRE(p.run_until([&] { return (got += test::tcp_read(c)).size() >= 4; }, 5s));
  CHECK(got == "pong");
}

}  // namespace

TEST_CASE("tcp6 dual-stack: an AF_INET6 listener on :: accepts IPv4: the accepted socket is AF_INET6 with INP_IPV4 and peer ::ffff:198.18.0.1") {
  Pair6 p;
  Socket* l = tcp6_listener(p.b, 80);
  CHECK(sotoinpcb(*l)->inp_vflag == (INP_IPV4 | INP_IPV6));
  Socket* c = tcp4_socket(p.a);
  const uint64_t out6 = inet6(p.a).ip6stat.localout;
  Socket* s = handshake(p, *c, *l, test::sin(kB, 80));
  CHECK(sotoinpcb(*s)->inp_family == AF_INET6);
  CHECK(sotoinpcb(*s)->inp_vflag == INP_IPV4);
  sockaddr_in6 peer = name6(*s, true), local = name6(*s, false);
  CHECK(addr_of(peer) == in6_mapped(kA));
  SockAddr cn;
  REQUIRE(sogetsockname(*c, &cn) == 0);
  sockaddr_in cin{};
  std::memcpy(&cin, &cn.ss, sizeof cin);
  CHECK(peer.sin6_port == cin.sin_port);
  CHECK(addr_of(local) == in6_mapped(kB));
  CHECK(ntohs(local.sin6_port) == 80);
  exchange(p, *c, *s);
  CHECK(inet6(p.a).ip6stat.localout == out6);  // all of it over IPv4
  CHECK(tcp_globals(inet(p.b)).conn.size() == 1);
  CHECK(tcp_globals(inet(p.b)).conn6.empty());
  // The same listener takes IPv6 too.
  Socket* c6 = tcp6_socket(p.a);
  Socket* s6 = handshake(p, *c6, *l, sin6(kB6, 80));
  CHECK(sotoinpcb(*s6)->inp_vflag == INP_IPV6);
  CHECK(addr_of(name6(*s6, true)) == kA6);
  exchange(p, *c6, *s6);
  // TCP_INFO works on the mapped connection (an IPv4 one: pmtu advmss + 40).
  struct tcp_info ti {};
  REQUIRE(tcp_info_get(*s, &ti) == 0);
  CHECK(ti.tcpi_pmtu == 1500);
  CHECK(ti.tcpi_snd_mss + 12 == 1460);
  REQUIRE(tcp_info_get(*s6, &ti) == 0);
  CHECK(ti.tcpi_snd_mss + 12 == 1440);
  for (Socket* so : {c, s, c6, s6, l}) soclose(*so);
  p.run_for(200s);
  CHECK(p.a.sockets().empty());
  CHECK(p.b.sockets().empty());
}

TEST_CASE("tcp6 dual-stack: connect of an AF_INET6 socket to ::ffff:198.18.0.2 goes over IPv4, names are mapped") {
  Pair6 p;
  Socket* l = test::tcp_listener(p.b, 8080);  // AF_INET
  Socket* c = tcp6_socket(p.a);
  const uint64_t out4 = inet(p.a).ipstat.localout, out6 = inet6(p.a).ip6stat.localout;
  Socket* s = handshake(p, *c, *l, sin6_mapped(kB, 8080));
  CHECK(sotoinpcb(*c)->inp_vflag == INP_IPV4);
  CHECK(addr_of(name6(*c, true)) == in6_mapped(kB));
  CHECK(ntohs(name6(*c, true).sin6_port) == 8080);
  CHECK(addr_of(name6(*c, false)) == in6_mapped(kA));
  exchange(p, *c, *s);
  CHECK(inet(p.a).ipstat.localout > out4);
  CHECK(inet6(p.a).ip6stat.localout == out6);
  // The server sees a plain IPv4 peer.
  SockAddr n;
  REQUIRE(sogetpeername(*s, &n) == 0);
  CHECK(n.family() == AF_INET);
  // A socket bound to ::ffff:198.18.0.1 connects from it.
  Socket* c2 = tcp6_socket(p.a);
  REQUIRE(sobind(*c2, sin6_mapped(kA, 0), Td{}) == 0);
  Socket* s2 = handshake(p, *c2, *l, sin6_mapped(kB, 8080));
  CHECK(addr_of(name6(*c2, false)) == in6_mapped(kA));
  // ... and not to an IPv6 peer (Linux: EAFNOSUPPORT).
  Socket* c3 = tcp6_socket(p.a);
  REQUIRE(sobind(*c3, sin6_mapped(kA, 0), Td{}) == 0);
  CHECK(soconnect(*c3, sin6(kB6, 8080), Td{}) == EAFNOSUPPORT);
  for (Socket* so : {c, s, c2, s2, c3, l}) soclose(*so);
}

TEST_CASE("tcp6 dual-stack: IPV6_V6ONLY: the listener refuses IPv4, the socket cannot connect to a mapped address") {
  Pair6 p;
  Socket* l = tcp6_listener(p.b, 80, In6{}, true);
  CHECK(sotoinpcb(*l)->inp_vflag == INP_IPV6);
  Socket* c = tcp4_socket(p.a);
  REQUIRE(soconnect(*c, test::sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return c->so_error != 0; }, 5s));
  CHECK(c->so_error == ECONNREFUSED);
  CHECK(l->so_comp.empty());
  // IPv6 still gets through.
  Socket* c6 = tcp6_socket(p.a);
  Socket* s6 = handshake(p, *c6, *l, sin6(kB6, 80));
  exchange(p, *c6, *s6);
  // V6ONLY, or bound to an IPv6 address: a mapped destination is ENETUNREACH.
  Socket* v = tcp6_socket(p.a);
  REQUIRE(test::setopt_int(*v, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  CHECK(soconnect(*v, sin6_mapped(kB, 80), Td{}) == ENETUNREACH);
  Socket* b = tcp6_socket(p.a);
  REQUIRE(sobind(*b, sin6(kA6, 0), Td{}) == 0);
  CHECK(soconnect(*b, sin6_mapped(kB, 80), Td{}) == ENETUNREACH);
  // Nor can it bind one (EINVAL), and V6ONLY cannot change once bound.
  Socket* w = tcp6_socket(p.a);
  REQUIRE(test::setopt_int(*w, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  CHECK(sobind(*w, sin6_mapped(kA, 0), Td{}) == EINVAL);
  CHECK(test::setopt_int(*b, IPPROTO_IPV6, IPV6_V6ONLY, 0) == EINVAL);
  // net.ipv6.bindv6only = 1 makes new sockets V6ONLY.
  in6_set_bindv6only(p.a, true);
  Socket* d = tcp6_socket(p.a);
  int on = 0;
  REQUIRE(test::getopt_int(*d, IPPROTO_IPV6, IPV6_V6ONLY, &on) == 0);
  CHECK(on == 1);
  CHECK(soconnect(*d, sin6_mapped(kB, 80), Td{}) == ENETUNREACH);
  for (Socket* so : {c, c6, s6, v, b, w, d, l}) soclose(*so);
}

TEST_CASE("tcp6 dual-stack: IPv4 goes to an AF_INET listener on 0.0.0.0 before an AF_INET6 one on :: (SO_REUSEPORT), IPv6 to the latter") {
  Pair6 p;
  auto listener = [&](int family) {
    Socket* l = family == AF_INET ? tcp4_socket(p.b) : tcp6_socket(p.b);
    REQUIRE(test::setopt_int(*l, SOL_SOCKET, SO_REUSEPORT, 1) == 0);
    REQUIRE(sobind(*l, family == AF_INET ? test::sin(0, 80) : sin6(In6{}, 80), Td{}) == 0);
    REQUIRE(solisten(*l, 8, Td{}) == 0);
    return l;
  };
  Socket* l6 = listener(AF_INET6);
  Socket* l4 = listener(AF_INET);
  for (int i = 0; i < 4; ++i) {
    Socket* c = tcp4_socket(p.a);
    Socket* s = handshake(p, *c, *l4, test::sin(kB, 80));
    CHECK(l6->so_comp.empty());
    soclose(*c);
    soclose(*s);
  }
  Socket* c = tcp6_socket(p.a);
  Socket* s = handshake(p, *c, *l6, sin6(kB6, 80));
  CHECK(l4->so_comp.empty());
  for (Socket* so : {c, s, l4, l6}) soclose(*so);
}

TEST_CASE("tcp6 dual-stack: the bind conflict matrix across families is Linux 6.18's (plain, listening, SO_REUSEADDR, SO_REUSEPORT)") {
  TcpHost6 h;
  constexpr uint32_t kUs4b = 0xc6120101;  // 198.18.1.1, a second local IPv4 address
  REQUIRE(in_add_address(*h.tun, kUs4b, 24) == 0);
  struct Cfg {
    const char* name;
    int family;
    In6 a6;
    uint32_t a4;
    bool v6only;
  };
  const std::vector<Cfg> cfgs = {
      {"v4any", AF_INET, {}, 0, false},
      {"v4a", AF_INET, {}, kUs4, false},
      {"v4b", AF_INET, {}, kUs4b, false},
      {"v6any", AF_INET6, {}, 0, false},
      {"v6any_only", AF_INET6, {}, 0, true},
      {"v6a", AF_INET6, kUs, 0, false},
      {"v6a_only", AF_INET6, kUs, 0, true},
      {"map_any", AF_INET6, in6_mapped(0), 0, false},
      {"map_a", AF_INET6, in6_mapped(kUs4), 0, false},
  };
  // Row: the first socket; column: the second; X = EADDRINUSE. Measured
  // on Linux 6.18 (127.0.0.1, 127.0.0.2, ::1 standing for these).
  const std::vector<std::string> plain = {
      "XXXXoooXX",  // v4any
      "XXoXoooXX",  // v4a
      "XoXXoooXo",  // v4b
      "XXXXXXXXX",  // v6any
      "oooXXXXoo",  // v6any_only
      "oooXXXXoo",  // v6a
      "oooXXXXoo",  // v6a_only
      "XXXXoooXX",  // map_any
      "XXoXoooXX",  // map_a
  };
  auto mk = [&](const Cfg& c, int mode) {
    Socket* so = c.family == AF_INET ? tcp4_socket(h.st) : tcp6_socket(h.st);
    if (c.family == AF_INET6) REQUIRE(test::setopt_int(*so, IPPROTO_IPV6, IPV6_V6ONLY, c.v6only) == 0);
    if (mode == 1 || mode == 3) REQUIRE(test::setopt_int(*so, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
    if (mode == 4) REQUIRE(test::setopt_int(*so, SOL_SOCKET, SO_REUSEPORT, 1) == 0);
    return so;
  };
  auto nam = [](const Cfg& c, uint16_t port) { return c.family == AF_INET ? test::sin(c.a4, port) : sin6(c.a6, port); };
  // 0 plain, 1 both SO_REUSEADDR, 2 the first listening, 3 both
  // SO_REUSEADDR and the first listening, 4 both SO_REUSEPORT.
  const char* modes[] = {"plain", "reuseaddr", "listen", "reuseaddr+listen", "reuseport"};
  uint16_t port = 20000;
  for (int mode = 0; mode < 5; ++mode) {
    for (size_t i = 0; i < cfgs.size(); ++i) {
      for (size_t j = 0; j < cfgs.size(); ++j) {
        ++port;
        CAPTURE(modes[mode]);
        CAPTURE(cfgs[i].name);
        CAPTURE(cfgs[j].name);
        Socket* s1 = mk(cfgs[i], mode);
        REQUIRE(sobind(*s1, nam(cfgs[i], port), Td{}) == 0);
        if (mode == 2 || mode == 3) REQUIRE(solisten(*s1, 1, Td{}) == 0);
        Socket* s2 = mk(cfgs[j], mode);
        const bool conflict = (mode == 0 || mode == 2 || mode == 3) && plain[i][j] == 'X';
        CHECK(sobind(*s2, nam(cfgs[j], port), Td{}) == (conflict ? EADDRINUSE : 0));
        soclose(*s1);
        soclose(*s2);
      }
    }
  }
  // Both bound with SO_REUSEADDR, the second cannot listen while the first does.
  Socket* a = mk(cfgs[0], 1);
  Socket* b = mk(cfgs[3], 1);
  REQUIRE(sobind(*a, nam(cfgs[0], 30000), Td{}) == 0);
  REQUIRE(sobind(*b, nam(cfgs[3], 30000), Td{}) == 0);
  REQUIRE(solisten(*a, 1, Td{}) == 0);
  CHECK(solisten(*b, 1, Td{}) == EADDRINUSE);
  soclose(*a);
  soclose(*b);
}

TEST_CASE("tcp6: a bound port takes over its TIME-WAIT 4-tuple over IPv6 when timestamps were on (Linux tcp_twsk_unique)") {
  Pair6 p;
  Socket* l = tcp6_listener(p.b, 80);
  Socket* c = tcp6_socket(p.a);
  REQUIRE(test::setopt_int(*c, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*c, sin6(kA6, 20172), Td{}) == 0);
  Socket* s = handshake(p, *c, *l, sin6(kB6, 80));
  soclose(*c);
  p.run_for(100ms);
  soclose(*s);
  p.run_for(100ms);
  TcpGlobals& g = tcp_globals(inet(p.a));
  REQUIRE(g.conn6.size() == 1);
  const TcpCb& tw = *g.conn6.begin()->second->inp_tcpcb;
  REQUIRE(tw.t_state == TcpState::TIME_WAIT);
  const TcpSeq tw_nxt = tw.snd_nxt;
  Socket* t = tcp6_socket(p.a);
  CHECK(sobind(*t, sin6(kA6, 20172), Td{}) == EADDRINUSE);  // without SO_REUSEADDR
  Socket* u = tcp6_socket(p.a);
  REQUIRE(test::setopt_int(*u, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*u, sin6(kA6, 20172), Td{}) == 0);
  Socket* s2 = handshake(p, *u, *l, sin6(kB6, 80));
  CHECK(test::tcb(*u)->iss == tw_nxt + 65537);  // past the old sequence space
  CHECK(tcp_globals(inet(p.a)).stat.timewait_reuse == 1);
  CHECK(g.conn6.size() == 1);  // the new connection only
  exchange(p, *u, *s2);
  for (Socket* so : {t, u, s2, l}) soclose(*so);
}
