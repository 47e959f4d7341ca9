// Ping sockets (SOCK_DGRAM/IPPROTO_ICMPV6) and raw ICMPv6 sockets with
// ICMP6_FILTER, driven through the socket layer (socreate, sosend,
// soreceive, sosetopt) as the daemon drives them.
#include <netinet/icmp6.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "kern/socket.hpp"
#include "netinet/in_var.hpp"
#include "netinet6/inet6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

Socket* mk(Stack& st, int type, int proto = IPPROTO_ICMPV6, int* err = nullptr) {
  Socket* so = nullptr;
  int e = socreate(st, AF_INET6, &so, type, proto, Td{});
  if (err) *err = e;
  else REQUIRE(e == 0);
  return so;
}

SockAddr sin6(const In6& a, uint16_t port = 0) {
  SockAddr s;
  in6_sockaddr(a, port, &s);
  return s;
}

int send_to(Socket& so, const Pkt& data, const SockAddr* to) {
  mbuf* m = data.empty() ? nullptr : m_devget(data.data(), int(data.size()), M_NOWAIT, true);
  return sosend(so, to, m, nullptr, 0, Td{});
}

struct Rcvd {
  int err = 0;
  Pkt data;
  SockAddr from;
};
Rcvd recv_from(Socket& so) {
  Rcvd r;
  r.data.resize(65536);
  RecvArgs a;
  a.from = &r.from;
  a.buf = r.data.data();
  a.len = r.data.size();
  r.err = soreceive(so, a);
  r.data.resize(a.done);
  return r;
}

In6 addr_of(const SockAddr& s) {
  In6 a;
  uint16_t port;
  REQUIRE(in6_getsin6(s, &a, &port) == 0);
  return a;
}

Pkt echo_body(uint16_t id, uint16_t seq, const Pkt& data) {
  Pkt m(8 + data.size());
  m[0] = std::byte(128);
  wire::put16(&m[4], id);
  wire::put16(&m[6], seq);
  std::copy(data.begin(), data.end(), m.begin() + 8);
  return m;
}

}  // namespace

TEST_CASE("ping6 socket: the stack sets the identifier and checksum, and the matching reply comes back") {
  Host6 h;
  Socket* so = mk(h.st, SOCK_DGRAM);
  SockAddr to = sin6(kPeer);
  REQUIRE(send_to(*so, echo_body(0, 1, pattern(16)), &to) == 0);
  Out6 o = h.take();
  CHECK(o.ip.src == kUs);
  CHECK(o.ip.dst == kPeer);
  CHECK(o.sum_ok());
  CHECK(o.type() == 128);
  const uint16_t id = uint16_t(o.info() >> 16);
  CHECK(id != 0);
  SockAddr me;
  REQUIRE(sogetsockname(*so, &me) == 0);
  sockaddr_in6 s6;
  std::memcpy(&s6, &me.ss, sizeof s6);
  CHECK(ntohs(s6.sin6_port) == id);
  // A reply with another identifier is not ours; ours is, from the peer.
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 129, 0, (uint32_t(id + 1) << 16) | 1, pattern(16))));
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 129, 0, (uint32_t(id) << 16) | 1, pattern(16))));
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data.size() == 24);
  CHECK(uint8_t(r.data[0]) == 129);
  CHECK(Pkt(r.data.begin() + 8, r.data.end()) == pattern(16));
  CHECK(addr_of(r.from) == kPeer);
  // Only echo requests may be sent; a short message is EINVAL too.
  Pkt other = echo_body(0, 1, {});
  other[0] = std::byte(1);
  CHECK(send_to(*so, other, &to) == EINVAL);
  CHECK(send_to(*so, bytes({128, 0, 0, 0}), &to) == EINVAL);
  soclose(*so);
}

TEST_CASE("ping6 socket: protocol 0 is not ping, the group range applies, bind picks the identifier") {
  Host6 h;
  int err = 0;
  mk(h.st, SOCK_DGRAM, 0, &err);
  CHECK(err == EPROTONOSUPPORT);
  Inet& in = inet_attach(h.st);
  in.ping_group_lo = 1;
  in.ping_group_hi = 0;  // Linux's "1 0": nobody
  mk(h.st, SOCK_DGRAM, IPPROTO_ICMPV6, &err);
  CHECK(err == EACCES);
  in.ping_group_lo = 0;
  in.ping_group_hi = 2147483647;
  Socket* a = mk(h.st, SOCK_DGRAM);
  Socket* b = mk(h.st, SOCK_DGRAM);
  SockAddr at = sin6(kUs, 4242);
  REQUIRE(sobind(*a, at, Td{}) == 0);
  int off = 0;
  Sockopt o;
  o.sopt_dir = SOPT_SET;
  o.sopt_level = SOL_SOCKET;
  o.sopt_name = SO_REUSEADDR;
  o.sopt_val = &off;
  o.sopt_valsize = sizeof off;
  REQUIRE(sosetopt(*b, o) == 0);  // ping sockets start with it (see below)
  CHECK(sobind(*b, at, Td{}) == EADDRINUSE);
  SockAddr notours = sin6(kFar, 1);
  CHECK(sobind(*b, notours, Td{}) == EADDRNOTAVAIL);
  SockAddr to = sin6(kPeer);
  REQUIRE(send_to(*a, echo_body(0, 1, {}), &to) == 0);
  CHECK((h.take().info() >> 16) == 4242);
  soclose(*a);
  soclose(*b);
}

TEST_CASE("raw icmp6 socket: every message without the IPv6 header, less what ICMP6_FILTER blocks") {
  Host6 h;
  Socket* so = mk(h.st, SOCK_RAW);
  h.inject(echo_req(kPeer, kUs, 7, 1, pattern(8)));
  Rcvd r = recv_from(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data == icmp6(kPeer, kUs, 128, 0, 0x00070001, pattern(8)));
  CHECK(addr_of(r.from) == kPeer);
  // The stack still answered the request.
  CHECK(h.take().type() == 129);
  // Block echo requests (bit set = blocked, as glibc's ICMP6_FILTER_SETBLOCK).
  icmp6_filter f;
  ICMP6_FILTER_SETPASSALL(&f);
  ICMP6_FILTER_SETBLOCK(ICMP6_ECHO_REQUEST, &f);
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = IPPROTO_ICMPV6;
  s.sopt_name = ICMP6_FILTER;
  s.sopt_val = &f;
  s.sopt_valsize = sizeof f;
  REQUIRE(sosetopt(*so, s) == 0);
  h.inject(echo_req(kPeer, kUs, 7, 2, pattern(8)));
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 129, 0, 0x00070002, {})));
  CHECK(recv_from(*so).err == 0);
  // Read back.
  icmp6_filter g;
  std::memset(&g, 0, sizeof g);
  s.sopt_dir = SOPT_GET;
  s.sopt_val = &g;
  s.sopt_valsize = sizeof g;
  REQUIRE(sogetopt(*so, s) == 0);
  CHECK(s.sopt_valsize == sizeof g);
  CHECK(ICMP6_FILTER_WILLBLOCK(ICMP6_ECHO_REQUEST, &g));
  CHECK(ICMP6_FILTER_WILLPASS(ICMP6_ECHO_REPLY, &g));
  // Block everything.
  ICMP6_FILTER_SETBLOCKALL(&f);
  s.sopt_dir = SOPT_SET;
  s.sopt_val = &f;
  s.sopt_valsize = sizeof f;
  REQUIRE(sosetopt(*so, s) == 0);
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 129, 0, 0x00070003, {})));
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  // A ping socket has no ICMP6_FILTER.
  Socket* ping = mk(h.st, SOCK_DGRAM);
  CHECK(sosetopt(*ping, s) == ENOPROTOOPT);
  soclose(*ping);
  soclose(*so);
}

TEST_CASE("raw icmp6 socket: sends what it is given with the checksum filled, connected and bound filtering") {
  Host6 h;
  Socket* so = mk(h.st, SOCK_RAW);
  SockAddr to = sin6(kPeerLL);
  Pkt msg = echo_body(0x55, 9, pattern(4));
  REQUIRE(send_to(*so, msg, &to) == 0);
  Out6 o = h.take();
  CHECK(o.ip.src == kUsLL);
  CHECK(o.sum_ok());
  CHECK(o.info() == 0x00550009);
  CHECK(send_to(*so, bytes({128, 0}), &to) == EINVAL);
  CHECK(send_to(*so, msg, nullptr) == EDESTADDRREQ);
  // Connected to the peer: messages from others are not delivered.
  SockAddr peer = sin6(kPeer);
  REQUIRE(soconnect(*so, peer, Td{}) == 0);
  h.inject(ip6(kFar, kUs, 58, icmp6(kFar, kUs, 129, 0, 1, {})));
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 129, 0, 1, {})));
  CHECK(recv_from(*so).err == 0);
  // IPV6_UNICAST_HOPS sets the hop limit.
  int v = 7;
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = IPPROTO_IPV6;
  s.sopt_name = IPV6_UNICAST_HOPS;
  s.sopt_val = &v;
  s.sopt_valsize = sizeof v;
  REQUIRE(sosetopt(*so, s) == 0);
  REQUIRE(send_to(*so, msg, nullptr) == 0);
  CHECK(h.take().ip.hlim == 7);
  soclose(*so);
}

TEST_CASE("ping6 socket: a fatal error quoting its echo request sets so_error on a connected socket") {
  Host6 h;
  Socket* so = mk(h.st, SOCK_DGRAM);
  SockAddr to = sin6(kFar);
  REQUIRE(soconnect(*so, to, Td{}) == 0);
  REQUIRE(send_to(*so, echo_body(0, 1, pattern(8)), nullptr) == 0);
  Pkt sent = h.out.front();
  h.out.clear();
  h.inject(ip6(kGw, kUs, 58, icmp6(kGw, kUs, 1, 3, 0, sent)));  // address unreachable: not fatal
  CHECK(so->so_error == 0);
  h.inject(ip6(kGw, kUs, 58, icmp6(kGw, kUs, 1, 1, 0, sent)));  // administratively prohibited: EACCES
  CHECK(so->so_error == EACCES);
  soclose(*so);
}

// What ping -6 asks of its socket before it sends (iputils, strace on
// Linux): IPV6_RECVERR, then IPV6_RECVHOPLIMIT for the ttl= it prints, an
// IPV6_HOPLIMIT cmsg per reply (RFC 3542 §6.3).
TEST_CASE("ping6 socket: IPV6_RECVERR is taken, IPV6_RECVHOPLIMIT gives each reply its hop limit") {
  Host6 h;
  for (int type : {SOCK_DGRAM, SOCK_RAW}) {
    CAPTURE(type);
    Socket* so = mk(h.st, type);
    auto opt = [&](int dir, int name, int* v) {
      Sockopt s;
      s.sopt_dir = dir;
      s.sopt_level = IPPROTO_IPV6;
      s.sopt_name = name;
      s.sopt_val = v;
      s.sopt_valsize = sizeof *v;
      return dir == SOPT_SET ? sosetopt(*so, s) : sogetopt(*so, s);
    };
    int one = 1, v = -1;
    REQUIRE(opt(SOPT_GET, IPV6_RECVERR, &v) == 0);
    CHECK(v == 0);
    REQUIRE(opt(SOPT_SET, IPV6_RECVERR, &one) == 0);
    REQUIRE(opt(SOPT_GET, IPV6_RECVERR, &v) == 0);
    CHECK(v == 1);
    // Without IPV6_RECVHOPLIMIT no cmsg; with it, the packet's hop limit.
    SockAddr to = sin6(kPeer);
    for (int ask : {0, 1}) {
      CAPTURE(ask);
      REQUIRE(opt(SOPT_SET, IPV6_RECVHOPLIMIT, &ask) == 0);
      REQUIRE(send_to(*so, echo_body(0, 1, pattern(8)), &to) == 0);
      Out6 o = h.take();
      const uint16_t id = type == SOCK_DGRAM ? uint16_t(o.info() >> 16) : 0;
      h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 129, 0, (uint32_t(id) << 16) | 1, pattern(8)), 61));
      Pkt buf(256);
      RecvArgs a;
      a.buf = buf.data();
      a.len = buf.size();
      mbuf* control = nullptr;
      a.controlp = &control;
      REQUIRE(soreceive(*so, a) == 0);
      CHECK(a.done == 16);
      if (!ask) {
        CHECK(control == nullptr);
        continue;
      }
      REQUIRE(control != nullptr);
      cmsghdr cm;
      REQUIRE(control->m_len >= int(CMSG_LEN(sizeof(int))));
      std::memcpy(&cm, control->m_data, sizeof cm);
      CHECK(cm.cmsg_level == IPPROTO_IPV6);
      CHECK(cm.cmsg_type == IPV6_HOPLIMIT);
      int hl = 0;
      std::memcpy(&hl, control->m_data + CMSG_LEN(0), sizeof hl);
      CHECK(hl == 61);
      m_freem(control);
    }
    soclose(*so);
  }
}

namespace {
int opt_int(Socket& so, int dir, int level, int name, int* v) {
  Sockopt s;
  s.sopt_dir = dir;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = v;
  s.sopt_valsize = sizeof *v;
  return dir == SOPT_SET ? sosetopt(so, s) : sogetopt(so, s);
}
sockaddr_in6 name_of(Socket& so, bool peer, int* err = nullptr) {
  SockAddr a;
  const int e = peer ? sogetpeername(so, &a) : sogetsockname(so, &a);
  if (err) *err = e;
  else REQUIRE(e == 0);
  sockaddr_in6 s{};
  if (!e) std::memcpy(&s, &a.ss, sizeof s);
  return s;
}
In6 in6_of(const sockaddr_in6& s) {
  In6 a;
  std::memcpy(a.data(), &s.sin6_addr, 16);
  return a;
}
}  // namespace

// Linux inet_send_prepare / inet_dgram_connect: an unbound ping socket
// takes its identifier before the call is checked (ping_errors' compat case:
// the failed sends there leave it bound, and its bind says EINVAL).
TEST_CASE("ping6 socket: a failed send or connect still takes the identifier; bind after that is EINVAL") {
  Host6 h;
  Socket* a = mk(h.st, SOCK_DGRAM);
  CHECK(name_of(*a, false).sin6_port == 0);
  SockAddr to = sin6(kPeer);
  CHECK(send_to(*a, bytes({128, 0, 0, 0}), &to) == EINVAL);
  const uint16_t id = ntohs(name_of(*a, false).sin6_port);
  CHECK(id != 0);
  CHECK(h.out.empty());
  SockAddr any = sin6(In6{}, 4321);
  CHECK(sobind(*a, any, Td{}) == EINVAL);
  // A send without an address on an unconnected socket, a connect to an
  // AF_INET name: both fail, both bind.
  Socket* b = mk(h.st, SOCK_DGRAM);
  CHECK(send_to(*b, echo_body(0, 1, {}), nullptr) == EDESTADDRREQ);
  CHECK(ntohs(name_of(*b, false).sin6_port) == id + 1);
  Socket* c = mk(h.st, SOCK_DGRAM);
  SockAddr v4;
  sockaddr_in sin4{};
  sin4.sin_family = AF_INET;
  v4 = SockAddr::from(&sin4, sizeof sin4);
  CHECK(soconnect(*c, v4, Td{}) == EINVAL);  // 16 bytes: shorter than a sockaddr_in6
  CHECK(ntohs(name_of(*c, false).sin6_port) == id + 2);
  // Another socket can still have the identifier a asked for.
  Socket* d = mk(h.st, SOCK_DGRAM);
  CHECK(sobind(*d, any, Td{}) == 0);
  // Only echo requests; a v4-mapped destination is EINVAL.
  SockAddr mapped = sin6(In6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1});
  CHECK(send_to(*d, echo_body(0, 1, {}), &mapped) == EINVAL);
  for (Socket* so : {a, b, c, d}) soclose(*so);
}

TEST_CASE("ping6 socket: bind checks the address before 'already bound': length, family, unicast, scope, ours") {
  Host6 h;
  Socket* so = mk(h.st, SOCK_DGRAM);
  SockAddr s = sin6(kUs);
  s.len = 24;  // Linux ping_bind wants a whole sockaddr_in6
  CHECK(sobind(*so, s, Td{}) == EINVAL);
  s = sin6(kUs);
  s.ss.ss_family = AF_INET;
  CHECK(sobind(*so, s, Td{}) == EAFNOSUPPORT);
  SockAddr mcast = sin6(In6{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(sobind(*so, mcast, Td{}) == EINVAL);
  SockAddr mapped = sin6(In6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 2});
  CHECK(sobind(*so, mapped, Td{}) == EINVAL);
  SockAddr ll = sin6(kUsLL);
  CHECK(sobind(*so, ll, Td{}) == EINVAL);  // link-local without a scope id
  sockaddr_in6 l6;
  std::memcpy(&l6, &ll.ss, sizeof l6);
  l6.sin6_scope_id = 999;
  ll = SockAddr::from(&l6, sizeof l6);
  CHECK(sobind(*so, ll, Td{}) == ENODEV);
  SockAddr far = sin6(kFar);
  CHECK(sobind(*so, far, Td{}) == EADDRNOTAVAIL);
  l6.sin6_scope_id = uint32_t(h.tun->if_index);
  ll = SockAddr::from(&l6, sizeof l6);
  REQUIRE(sobind(*so, ll, Td{}) == 0);
  CHECK(in6_of(name_of(*so, false)) == kUsLL);
  CHECK(sobind(*so, far, Td{}) == EADDRNOTAVAIL);  // the address first
  CHECK(sobind(*so, sin6(kUs), Td{}) == EINVAL);   // then: bound once
  soclose(*so);
}

TEST_CASE("ping6 socket: connected to port 0 there is no peer name (ENOTCONN); connect picks the source; AF_UNSPEC undoes both") {
  Host6 h;
  Socket* so = mk(h.st, SOCK_DGRAM);
  REQUIRE(soconnect(*so, sin6(kPeer), Td{}) == 0);
  int err = 0;
  name_of(*so, true, &err);
  CHECK(err == ENOTCONN);
  sockaddr_in6 me = name_of(*so, false);
  CHECK(in6_of(me) == kUs);
  const uint16_t id = ntohs(me.sin6_port);
  CHECK(id != 0);
  REQUIRE(send_to(*so, echo_body(0, 1, pattern(8)), nullptr) == 0);
  CHECK((h.take().info() >> 16) == id);
  // Linux ping_lookup: the identifier and the bound address, not the peer.
  h.inject(ip6(kFar, kUs, 58, icmp6(kFar, kUs, 129, 0, (uint32_t(id) << 16) | 1, pattern(8))));
  CHECK(recv_from(*so).err == 0);
  REQUIRE(soconnect(*so, sin6(kPeer, 7), Td{}) == 0);
  sockaddr_in6 peer = name_of(*so, true);
  CHECK(in6_of(peer) == kPeer);
  CHECK(ntohs(peer.sin6_port) == 7);
  SockAddr unspec = sin6(In6{});
  unspec.ss.ss_family = AF_UNSPEC;
  REQUIRE(soconnect(*so, unspec, Td{}) == 0);
  me = name_of(*so, false);
  CHECK(in6_of(me) == In6{});
  CHECK(me.sin6_port == 0);  // the identifier connect took is given back
  name_of(*so, true, &err);
  CHECK(err == ENOTCONN);
  REQUIRE(sobind(*so, sin6(In6{}, 901), Td{}) == 0);
  REQUIRE(soconnect(*so, sin6(kPeer), Td{}) == 0);
  REQUIRE(soconnect(*so, unspec, Td{}) == 0);
  CHECK(ntohs(name_of(*so, false).sin6_port) == 901);  // one bind chose stays
  soclose(*so);
}

// Linux: one ping_table and one ping_port_rover for both families; the
// ping and raw protosws have INET_PROTOSW_REUSE (SO_REUSEADDR reads 1);
// ping_init_sock makes an inet6 ping socket IPv6-only.
TEST_CASE("ping6 socket: one identifier space with IPv4 ping sockets, SO_REUSEADDR on, IPV6_V6ONLY 1 (raw: 0)") {
  Host6 h;
  inet_attach(h.st);
  Socket* v4 = nullptr;
  REQUIRE(socreate(h.st, AF_INET, &v4, SOCK_DGRAM, IPPROTO_ICMP, Td{}) == 0);
  Socket* a = mk(h.st, SOCK_DGRAM);
  Socket* b = mk(h.st, SOCK_DGRAM);
  Socket* raw = mk(h.st, SOCK_RAW);
  int v = -1;
  REQUIRE(opt_int(*a, SOPT_GET, SOL_SOCKET, SO_REUSEADDR, &v) == 0);
  CHECK(v == 1);
  REQUIRE(opt_int(*raw, SOPT_GET, SOL_SOCKET, SO_REUSEADDR, &v) == 0);
  CHECK(v == 1);
  REQUIRE(opt_int(*a, SOPT_GET, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0);
  CHECK(v == 1);
  REQUIRE(opt_int(*raw, SOPT_GET, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0);
  CHECK(v == 0);
  // A raw socket's name carries its protocol as the port (Linux inet_num).
  CHECK(ntohs(name_of(*raw, false).sin6_port) == IPPROTO_ICMPV6);
  // The rover is shared: an IPv4 ping socket's identifier, then ours.
  SockAddr to4;
  in_sockaddr(0xc6120001, 0, &to4);
  Pkt req4 = echo_body(0, 1, {});
  req4[0] = std::byte(8);
  send_to(*v4, req4, &to4);  // no IPv4 route: fails, but binds first
  SockAddr n4;
  REQUIRE(sogetsockname(*v4, &n4) == 0);
  sockaddr_in s4;
  std::memcpy(&s4, &n4.ss, sizeof s4);
  const uint16_t id4 = ntohs(s4.sin_port);
  CHECK(id4 != 0);
  SockAddr to = sin6(kPeer);
  REQUIRE(send_to(*a, echo_body(0, 1, {}), &to) == 0);
  CHECK((h.take().info() >> 16) == uint32_t(id4 + 1));
  // The IPv4 socket's identifier, asked for by one without SO_REUSEADDR: in use.
  int off = 0;
  REQUIRE(opt_int(*b, SOPT_SET, SOL_SOCKET, SO_REUSEADDR, &off) == 0);
  CHECK(sobind(*b, sin6(In6{}, id4), Td{}) == EADDRINUSE);
  // IPV6_V6ONLY may change until the identifier is taken.
  Socket* c = mk(h.st, SOCK_DGRAM);
  REQUIRE(opt_int(*c, SOPT_SET, IPPROTO_IPV6, IPV6_V6ONLY, &off) == 0);
  REQUIRE(opt_int(*c, SOPT_GET, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0);
  CHECK(v == 0);
  REQUIRE(sobind(*c, sin6(In6{}), Td{}) == 0);
  CHECK(opt_int(*c, SOPT_SET, IPPROTO_IPV6, IPV6_V6ONLY, &off) == EINVAL);
  for (Socket* so : {v4, a, b, c, raw}) soclose(*so);
}
