// ICMPv6 errors to ping and raw ICMPv6 sockets (icmp6_ctlinput; Linux
// ping_err and rawv6_err): with IPV6_RECVERR each error about a message the
// socket sent is queued for MSG_ERRQUEUE as UDP's are (sock_extended_err,
// SO_EE_ORIGIN_ICMP6, the offender; named by the quoted destination, port
// 0; the quoted ICMPv6 message as data), read by the same in_errqueue_receive.
#include "netinet6/udp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

Pkt echo(uint16_t seq, const Pkt& data) {
  Pkt m(8 + data.size());
  m[0] = std::byte(128);
  wire::put16(&m[6], seq);
  std::copy(data.begin(), data.end(), m.begin() + 8);
  return m;
}

Socket* icmp6_sock(Stack& st, int type) {
  Socket* so = nullptr;
  REQUIRE(socreate(st, AF_INET6, &so, type, IPPROTO_ICMPV6, Td{}) == 0);
  return so;
}

struct ErrCmsg {
  sock_extended_err ee;
  sockaddr_in6 offender;
};

// The one queued error: its errno, type/code, info, offender, name, data.
void check_queued(Socket& so, int err, uint8_t type, uint8_t code, uint32_t info, const Pkt& msg) {
  Rcvd r = recv6(so, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  CHECK((r.flags & MSG_ERRQUEUE));
  CHECK(r.data == msg);
  CHECK(r.from.family() == AF_INET6);
  CHECK(r.from_addr() == kFar);
  CHECK(r.from_port() == 0);
  const Cmsg* c = r.find(IPPROTO_IPV6, IPV6_RECVERR);
  REQUIRE(c);
  REQUIRE(c->data.size() >= sizeof(ErrCmsg));
  auto e = as<ErrCmsg>(c->data);
  CHECK(e.ee.ee_errno == uint32_t(err));
  CHECK(e.ee.ee_origin == SO_EE_ORIGIN_ICMP6);
  CHECK(e.ee.ee_type == type);
  CHECK(e.ee.ee_code == code);
  CHECK(e.ee.ee_info == info);
  CHECK(e.offender.sin6_family == AF_INET6);
  CHECK(std::memcmp(&e.offender.sin6_addr, kRouter.data(), 16) == 0);
  CHECK(recv6(so, MSG_ERRQUEUE).err == EAGAIN);
}

}  // namespace

TEST_CASE("icmp6 err: a ping socket with IPV6_RECVERR queues each error about its echo - without, only a fatal one on a connected socket sets so_error") {
  Dual h;
  Socket* p = icmp6_sock(h.st, SOCK_DGRAM);
  REQUIRE(setint(*p, IPPROTO_IPV6, IPV6_RECVERR, 1) == 0);
  SockAddr far = sa6(kFar);
  REQUIRE(send6(*p, echo(1, pattern(8)), &far) == 0);
  Out6 sent = h.take();
  const Pkt msg = sent.rest;  // the echo as sent: identifier and checksum filled
  h.inject(icmp6_err(1, 3, 0, raw(sent)));  // address unreachable: not fatal, queued all the same
  CHECK(getint(*p, SOL_SOCKET, SO_ERROR) == EHOSTUNREACH);
  check_queued(*p, EHOSTUNREACH, 1, 3, 0, msg);
  // Packet Too Big: EMSGSIZE, the MTU as ee_info.
  REQUIRE(send6(*p, echo(2, pattern(1400)), &far) == 0);
  sent = h.take();
  h.inject(icmp6_err(2, 0, 1300, raw(sent)));
  // The quote is cut to fit the minimum MTU (RFC 4443 §2.4 (c)): compare its front.
  Rcvd r = recv6(*p, MSG_ERRQUEUE);
  REQUIRE(r.err == 0);
  REQUIRE(r.data.size() > 8);
  CHECK(Pkt(r.data.begin(), r.data.begin() + 8) == Pkt(sent.rest.begin(), sent.rest.begin() + 8));
  auto e = as<ErrCmsg>(r.find(IPPROTO_IPV6, IPV6_RECVERR)->data);
  CHECK(e.ee.ee_errno == EMSGSIZE);
  CHECK(e.ee.ee_info == 1300);
  // Off: the queue is purged; an unconnected socket hears nothing more.
  REQUIRE(send6(*p, echo(3, pattern(8)), &far) == 0);
  sent = h.take();
  h.inject(icmp6_err(1, 1, 0, raw(sent)));
  getint(*p, SOL_SOCKET, SO_ERROR);
  REQUIRE(setint(*p, IPPROTO_IPV6, IPV6_RECVERR, 0) == 0);
  CHECK(recv6(*p, MSG_ERRQUEUE).err == EAGAIN);
  REQUIRE(send6(*p, echo(4, pattern(8)), &far) == 0);
  h.inject(icmp6_err(1, 1, 0, raw(h.take())));  // administratively prohibited: fatal
  CHECK(getint(*p, SOL_SOCKET, SO_ERROR) == 0);
  CHECK(recv6(*p, MSG_ERRQUEUE).err == EAGAIN);
  // Another socket's identifier: not ours.
  Socket* q = icmp6_sock(h.st, SOCK_DGRAM);
  REQUIRE(setint(*q, IPPROTO_IPV6, IPV6_RECVERR, 1) == 0);
  REQUIRE(send6(*p, echo(5, pattern(8)), &far) == 0);
  h.inject(icmp6_err(1, 3, 0, raw(h.take())));
  CHECK(recv6(*q, MSG_ERRQUEUE).err == EAGAIN);
  soclose(*p);
  soclose(*q);
}

TEST_CASE("icmp6 err: a raw ICMPv6 socket hears of the ICMPv6 messages it sent as Linux rawv6_err says") {
  Dual h;
  Socket* r = icmp6_sock(h.st, SOCK_RAW);
  Socket* plain = icmp6_sock(h.st, SOCK_RAW);    // unconnected, no IPV6_RECVERR: never told
  Socket* other = icmp6_sock(h.st, SOCK_RAW);    // bound to another address of ours
  REQUIRE(setint(*r, IPPROTO_IPV6, IPV6_RECVERR, 1) == 0);
  REQUIRE(setint(*other, IPPROTO_IPV6, IPV6_RECVERR, 1) == 0);
  SockAddr ll = sa6(kUsLL, 0, uint32_t(h.tun->if_index));
  REQUIRE(sobind(*other, ll, Td{}) == 0);
  SockAddr far = sa6(kFar);
  Pkt m = echo(7, pattern(8));
  wire::put16(&m[4], 0x1234);
  REQUIRE(send6(*r, m, &far) == 0);
  Out6 sent = h.take();
  h.inject(icmp6_err(1, 3, 0, raw(sent)));
  CHECK(getint(*r, SOL_SOCKET, SO_ERROR) == EHOSTUNREACH);
  check_queued(*r, EHOSTUNREACH, 1, 3, 0, sent.rest);
  CHECK(getint(*plain, SOL_SOCKET, SO_ERROR) == 0);
  CHECK(recv6(*plain, MSG_ERRQUEUE).err == EAGAIN);
  CHECK(getint(*other, SOL_SOCKET, SO_ERROR) == 0);
  CHECK(recv6(*other, MSG_ERRQUEUE).err == EAGAIN);
  // Connected, without IPV6_RECVERR: a fatal error sets so_error, queues nothing.
  REQUIRE(connect6(*plain, far) == 0);
  REQUIRE(send6(*plain, m, nullptr) == 0);
  sent = h.take();
  h.inject(icmp6_err(1, 3, 0, raw(sent)));  // not fatal: nothing
  CHECK(getint(*plain, SOL_SOCKET, SO_ERROR) == 0);
  h.inject(icmp6_err(1, 1, 0, raw(sent)));  // administratively prohibited: EACCES
  CHECK(getint(*plain, SOL_SOCKET, SO_ERROR) == EACCES);
  CHECK(recv6(*plain, MSG_ERRQUEUE).err == EAGAIN);
  // Packet Too Big is fatal for a raw socket only under IPV6_PMTUDISC_DO.
  h.inject(icmp6_err(2, 0, 1400, raw(sent)));
  CHECK(getint(*plain, SOL_SOCKET, SO_ERROR) == 0);
  REQUIRE(setint(*plain, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO) == 0);
  h.inject(icmp6_err(2, 0, 1300, raw(sent)));
  CHECK(getint(*plain, SOL_SOCKET, SO_ERROR) == EMSGSIZE);
  // r (unconnected, IPV6_RECVERR) heard those three too.
  CHECK(getint(*r, SOL_SOCKET, SO_ERROR) == EMSGSIZE);
  int n = 0;
  while (recv6(*r, MSG_ERRQUEUE).err == 0 && n < 10) ++n;
  CHECK(n == 4);
  for (Socket* so : {r, plain, other}) soclose(*so);
}
