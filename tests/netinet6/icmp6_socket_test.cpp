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
