// ICMPv6 errors to UDP sockets (udp6_ctlinput, Linux __udp6_lib_err):
// port unreachable is ECONNREFUSED, Packet Too Big is EMSGSIZE and lowers
// IPV6_MTU, IPV6_RECVERR queues sock_extended_err (SO_EE_ORIGIN_ICMP6) with
// the offender's sockaddr_in6 for MSG_ERRQUEUE, local EMSGSIZE errors, and
// an IPv4 error on a dual-stack socket read back v4-mapped.
#include "netinet6/udp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

int so_error(Socket& so) { return getint(so, SOL_SOCKET, SO_ERROR); }

struct ErrCmsg {
  sock_extended_err ee;
  sockaddr_in6 offender;
};

}  // namespace

TEST_CASE("udp6 err: port unreachable is ECONNREFUSED on a connected socket and nothing on an unconnected one") {
  Dual h;
  Socket* c = mk6(h.st);
  REQUIRE(connect6(*c, sa6(kFar, 9)) == 0);
  REQUIRE(send6(*c, bytes("hi"), nullptr) == 0);
  h.inject(icmp6_err(1, 4, 0, raw(h.take())));
  CHECK(so_error(*c) == ECONNREFUSED);
  CHECK(so_error(*c) == 0);  // read once
  CHECK(recv6(*c, MSG_ERRQUEUE).err == EAGAIN);  // nothing queued without IPV6_RECVERR

  Socket* u = mk6(h.st);
  SockAddr to = sa6(kFar, 9);
  REQUIRE(send6(*u, bytes("hi"), &to) == 0);
  h.inject(icmp6_err(1, 4, 0, raw(h.take())));
  CHECK(so_error(*u) == 0);
  // Address unreachable is not fatal (Linux tab_unreach): nothing, even connected.
  REQUIRE(send6(*c, bytes("hi"), nullptr) == 0);
  h.inject(icmp6_err(1, 3, 0, raw(h.take())));
  CHECK(so_error(*c) == 0);
  soclose(*c);
  soclose(*u);
}

TEST_CASE("udp6 err: IPV6_RECVERR queues the error for MSG_ERRQUEUE with sock_extended_err and the offender") {
  Dual h;
  Socket* u = mk6(h.st);
  REQUIRE(setint(*u, IPPROTO_IPV6, IPV6_RECVERR, 1) == 0);
  SockAddr to = sa6(kFar, 9);
  REQUIRE(send6(*u, bytes("payload!"), &to) == 0);
  h.inject(icmp6_err(1, 4, 0, raw(h.take())));
  CHECK(so_error(*u) == ECONNREFUSED);  // with IPV6_RECVERR even unconnected
  Rcvd r = recv6(*u, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  CHECK((r.flags & MSG_ERRQUEUE));
  CHECK(r.data == bytes("payload!"));
  CHECK(r.from.family() == AF_INET6);
  CHECK(r.from_addr() == kFar);
  CHECK(r.from_port() == 9);
  const Cmsg* c = r.find(IPPROTO_IPV6, IPV6_RECVERR);
  REQUIRE(c);
  REQUIRE(c->data.size() >= sizeof(ErrCmsg));
  auto e = as<ErrCmsg>(c->data);
  CHECK(e.ee.ee_errno == ECONNREFUSED);
  CHECK(e.ee.ee_origin == SO_EE_ORIGIN_ICMP6);
  CHECK(e.ee.ee_type == 1);
  CHECK(e.ee.ee_code == 4);
  CHECK(e.offender.sin6_family == AF_INET6);
  CHECK(std::memcmp(&e.offender.sin6_addr, kRouter.data(), 16) == 0);
  CHECK(recv6(*u, MSG_ERRQUEUE).err == EAGAIN);
  // Turning it off purges the queue.
  REQUIRE(send6(*u, bytes("again"), &to) == 0);
  h.inject(icmp6_err(1, 4, 0, raw(h.take())));
  REQUIRE(setint(*u, IPPROTO_IPV6, IPV6_RECVERR, 0) == 0);
  CHECK(recv6(*u, MSG_ERRQUEUE).err == EAGAIN);
  soclose(*u);
}

TEST_CASE("udp6 err: Packet Too Big is EMSGSIZE and IPV6_MTU reads the new path MTU (RFC 8201)") {
  Dual h;
  Socket* c = mk6(h.st);
  REQUIRE(setint(*c, IPPROTO_IPV6, IPV6_RECVERR, 1) == 0);
  REQUIRE(connect6(*c, sa6(kFar, 9)) == 0);
  CHECK(getint(*c, IPPROTO_IPV6, IPV6_MTU) == 1500);
  REQUIRE(send6(*c, pattern(1400), nullptr) == 0);
  h.inject(icmp6_err(2, 0, 1300, raw(h.take())));
  CHECK(getint(*c, IPPROTO_IPV6, IPV6_MTU) == 1300);
  CHECK(so_error(*c) == EMSGSIZE);
  Rcvd r = recv6(*c, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  auto e = as<ErrCmsg>(r.find(IPPROTO_IPV6, IPV6_RECVERR)->data);
  CHECK(e.ee.ee_errno == EMSGSIZE);
  CHECK(e.ee.ee_origin == SO_EE_ORIGIN_ICMP6);
  CHECK(e.ee.ee_type == 2);
  CHECK(e.ee.ee_info == 1300);
  // IPV6_PMTUDISC_WANT: the next one is fragmented at the source.
  REQUIRE(send6(*c, pattern(1400), nullptr) == 0);
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[0].size() <= 1300);
  h.out.clear();
  // IPV6_PMTUDISC_DO: too big is EMSGSIZE here, with a local error naming the MTU.
  REQUIRE(setint(*c, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO) == 0);
  CHECK(send6(*c, pattern(1400), nullptr) == EMSGSIZE);
  CHECK(send6(*c, pattern(1300 - 48), nullptr) == 0);  // exactly fits
  h.out.clear();
  r = recv6(*c, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  e = as<ErrCmsg>(r.find(IPPROTO_IPV6, IPV6_RECVERR)->data);
  CHECK(e.ee.ee_errno == EMSGSIZE);
  CHECK(e.ee.ee_origin == SO_EE_ORIGIN_LOCAL);
  CHECK(e.ee.ee_info == 1300);
  CHECK(e.offender.sin6_family == 0);  // a local error names no sender
  // IPV6_DONTFRAG says the same under WANT; IPV6_PMTUDISC_DONT hears no PTB.
  REQUIRE(setint(*c, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_WANT) == 0);
  REQUIRE(setint(*c, IPPROTO_IPV6, IPV6_DONTFRAG, 1) == 0);
  CHECK(send6(*c, pattern(1400), nullptr) == EMSGSIZE);
  soclose(*c);

  Socket* d = mk6(h.st);
  REQUIRE(setint(*d, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT) == 0);
  REQUIRE(connect6(*d, sa6(kPeer, 9)) == 0);
  REQUIRE(send6(*d, pattern(1400), nullptr) == 0);
  h.inject(icmp6_err(2, 0, 1280, raw(h.take())));
  CHECK(so_error(*d) == 0);
  CHECK(getint(*d, IPPROTO_IPV6, IPV6_MTU) == 1280);  // the path MTU still learned it
  soclose(*d);
}

TEST_CASE("udp6 err: IPV6_MTU caps the fragment size and PROBE ignores the learned path MTU") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MTU, 1280) == 0);
  SockAddr to = sa6(kFar, 9);
  REQUIRE(send6(*so, pattern(1300), &to) == 0);
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[0].size() <= 1280);
  h.out.clear();
  ip6_pmtu_update(h.in6(), kFar, 1300);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MTU, 0) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE) == 0);
  REQUIRE(send6(*so, pattern(1400), &to) == 0);  // the interface's 1500, not the learned 1300
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].size() == 1448);
  soclose(*so);
}

TEST_CASE("udp6 err: an ICMP error about a v4-mapped send reads back as IPV6_RECVERR with v4-mapped names") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(setint(*so, SOL_IP, IP_RECVERR, 1) == 0);  // IPv4 errors are IP_RECVERR's (Linux __udp4_lib_err)
  REQUIRE(connect6(*so, sa6(mapped(kPeer4), 53)) == 0);
  REQUIRE(send6(*so, bytes("dns?"), nullptr) == 0);
  Pkt sent = h.out.at(0);
  h.out.clear();
  // ICMP port unreachable from the peer quoting the datagram.
  Pkt icmp(8 + sent.size());
  icmp[0] = std::byte(3);
  icmp[1] = std::byte(3);
  std::copy(sent.begin(), sent.end(), icmp.begin() + 8);
  wire::put16(&icmp[2], wire::cksum_finish(wire::cksum_add(0, icmp)));
  Pkt p(20 + icmp.size());
  wire::Ipv4Repr r;
  r.total_len = uint16_t(p.size());
  r.ttl = 64;
  r.proto = 1;
  r.src = kPeer4;
  r.dst = kUs4;
  wire::ipv4_emit(p.data(), r);
  std::copy(icmp.begin(), icmp.end(), p.begin() + 20);
  h.inject(p);
  CHECK(so_error(*so) == ECONNREFUSED);
  Rcvd e = recv6(*so, MSG_ERRQUEUE);
  REQUIRE(e.err == 0);
  CHECK(e.data == bytes("dns?"));
  CHECK(e.from.family() == AF_INET6);
  CHECK(e.from_addr() == mapped(kPeer4));
  CHECK(e.from_port() == 53);
  const Cmsg* c = e.find(IPPROTO_IPV6, IPV6_RECVERR);
  REQUIRE(c);
  auto x = as<ErrCmsg>(c->data);
  CHECK(x.ee.ee_origin == SO_EE_ORIGIN_ICMP);
  CHECK(x.ee.ee_errno == ECONNREFUSED);
  In6 m = mapped(kPeer4);
  CHECK(std::memcmp(&x.offender.sin6_addr, m.data(), 16) == 0);
  soclose(*so);
}
