// ICMPv6 (RFC 4443): echo replies, the rules that forbid errors (§2.4(e)),
// the rate limit (§2.4(f), Linux's token bucket), errors sized to the
// minimum MTU, and errors delivered to the quoted protocol's pr_ctlinput
// with Linux's errnos (icmpv6_err_convert).
#include <cerrno>

#include "netinet6/inet6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;
using std::chrono::milliseconds;

TEST_CASE("icmp6: an echo request is answered from the address it was sent to (RFC 4443 §4.2)") {
  Host6 h;
  Pkt data = pattern(56);
  h.inject(echo_req(kPeer, kUs, 0x77, 3, data));
  REQUIRE(h.out.size() == 1);
  Out6 r = h.take();
  CHECK(r.ip.src == kUs);
  CHECK(r.ip.dst == kPeer);
  CHECK(r.ip.nxt == 58);
  CHECK(r.ip.hlim == 64);
  CHECK(r.sum_ok());
  CHECK(r.type() == 129);
  CHECK(r.code() == 0);
  CHECK(r.info() == 0x00770003);
  CHECK(r.quoted() == data);
  // To the link-local address: from it.
  h.inject(echo_req(kPeerLL, kUsLL, 1, 1, data));
  CHECK(h.take().ip.src == kUsLL);
  // To all-nodes: from a unicast address of ours, by source selection.
  h.inject(echo_req(kPeerLL, kAllNodes, 1, 2, data));
  CHECK(h.take().ip.src == kUsLL);
  h.inject(echo_req(kPeer, kAllNodes, 1, 2, data));
  CHECK(h.take().ip.src == kUs);
  CHECK(h.c().inecho == 4);
  CHECK(h.c().outechoreply == 4);
}

TEST_CASE("icmp6: a bad checksum or a truncated message is dropped") {
  Host6 h;
  Pkt p = echo_req(kPeer, kUs, 1, 1, pattern(8));
  p[44] ^= std::byte(1);
  h.inject(p);
  CHECK(h.c().checksum == 1);
  h.inject(ip6(kPeer, kUs, 58, bytes({128, 0})));
  CHECK(h.c().tooshort == 1);
  CHECK(h.out.empty());
}

TEST_CASE("icmp6: neighbour discovery and unknown informational messages are consumed unanswered") {
  Host6 h;
  h.inject(ip6(kPeerLL, kAllNodes, 58, icmp6(kPeerLL, kAllNodes, 135, 0, 0, Pkt(16)), 255));  // NS
  h.inject(ip6(kPeerLL, kAllNodes, 58, icmp6(kPeerLL, kAllNodes, 133, 0, 0, {}), 255));       // RS
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 200, 0, 0, {})));
  CHECK(h.out.empty());
  CHECK(h.c().unknown == 3);
}

TEST_CASE("icmp6: no error about an ICMPv6 error or a redirect, even behind extension headers (§2.4(e.1, e.2))") {
  Host6 h;
  Pkt inner = ip6(kUs, kFar, 17, Pkt(8));
  auto with_bad_option = [&](const Pkt& icmp) {
    return ip6(kPeer, kUs, 60, cat({opthdr(58, bytes({0x9e, 0})), icmp}));
  };
  h.inject(with_bad_option(icmp6(kPeer, kUs, 1, 4, 0, inner)));
  h.inject(with_bad_option(icmp6(kPeer, kUs, 137, 0, 0, Pkt(32))));
  CHECK(h.out.empty());
  CHECK(h.c().olderr == 2);
  // An echo request behind the same header is answered with the error.
  h.inject(with_bad_option(icmp6(kPeer, kUs, 128, 0, 0, Pkt(8))));
  REQUIRE(h.out.size() == 1);
  CHECK(h.take().type() == 4);
}

TEST_CASE("icmp6: no error about a multicast destination but packet too big and parameter problem code 2 (§2.4(e.3))") {
  Host6 h;
  Pkt p = ip6(kPeerLL, kAllNodes, kExp, bytes("payload!"));
  h.inject(p);  // unknown next header to a group: nothing
  CHECK(h.out.empty());
  CHECK(h.c().omcast == 1);
  MbufPtr m(m_devget(p.data(), int(p.size()), M_NOWAIT, true));
  icmp6_error(h.in6(), m.get(), 1, 4, 0);
  icmp6_error(h.in6(), m.get(), 3, 0, 0);
  icmp6_error(h.in6(), m.get(), 4, 0, 0);
  CHECK(h.out.empty());
  icmp6_error(h.in6(), m.get(), 2, 0, 1280);
  icmp6_error(h.in6(), m.get(), 4, 2, 40);
  REQUIRE(h.out.size() == 2);
  CHECK(h.take().type() == 2);
  Out6 e = h.take();
  CHECK(e.type() == 4);
  CHECK(e.code() == 2);
  CHECK(e.ip.src == kUsLL);
}

TEST_CASE("icmp6: no error to a source that names no single node (§2.4(e.6))") {
  Host6 h;
  for (const In6& src : {a6("::"), kGroup}) {
    Pkt p = ip6(src, kUs, kExp, bytes("payload!"));
    MbufPtr m(m_devget(p.data(), int(p.size()), M_NOWAIT, true));
    icmp6_error(h.in6(), m.get(), 1, 4, 0);
  }
  CHECK(h.out.empty());
  h.inject(ip6(a6("::"), kUs, kExp, bytes("payload!")));  // unspecified source is valid input (RFC 4291)
  CHECK(h.out.empty());
  CHECK(h.s().noproto == 1);
}

TEST_CASE("icmp6: an error quotes as much as fits in 1280 bytes (§2.4(c))") {
  Host6 h;
  Pkt p = ip6(kPeer, kUs, kExp, pattern(1400));
  h.inject(p);
  Out6 e = h.take();
  CHECK(40 + e.rest.size() == 1280);
  CHECK(e.quoted() == Pkt(p.begin(), p.begin() + 1280 - 48));
  CHECK(e.sum_ok());
}

TEST_CASE("icmp6: errors are rate limited per destination, burst 6, as Linux's icmpv6 ratelimit") {
  Host6 h;
  auto bad = [&](const In6& src) { h.inject(ip6(src, kUs, kExp, bytes("payload!"))); };
  for (int i = 0; i < 10; ++i) bad(kPeer);
  CHECK(h.out.size() == 6);
  CHECK(h.c().ratelimited == 4);
  // Another destination has its own bucket.
  bad(a6("2001:db8::3"));
  CHECK(h.out.size() == 7);
  // The peer is on a /64: one token per 1000 ms >> ((128 - 64) >> 5) = 250 ms.
  h.advance(milliseconds(249));
  bad(kPeer);
  CHECK(h.out.size() == 7);
  h.advance(milliseconds(1));
  bad(kPeer);
  bad(kPeer);
  CHECK(h.out.size() == 8);
  // Off-link, by the default route (plen 0): 1000 ms >> 4 = 62.5 ms.
  h.out.clear();
  for (int i = 0; i < 8; ++i) bad(kFar);
  CHECK(h.out.size() == 6);
  h.advance(milliseconds(63));
  bad(kFar);
  CHECK(h.out.size() == 7);
  // Echo replies and packet too big are not limited.
  h.out.clear();
  for (int i = 0; i < 20; ++i) h.inject(echo_req(kPeer, kUs, 1, uint16_t(i), {}));
  CHECK(h.out.size() == 20);
  Pkt p = ip6(kPeer, kUs, kExp, bytes("payload!"));
  MbufPtr m(m_devget(p.data(), int(p.size()), M_NOWAIT, true));
  h.out.clear();
  for (int i = 0; i < 10; ++i) icmp6_error(h.in6(), m.get(), 2, 0, 1280);
  CHECK(h.out.size() == 10);
}

TEST_CASE("icmp6: icmp6_errno is Linux's icmpv6_err_convert") {
  bool fatal = false;
  CHECK(icmp6_errno(1, 0, &fatal) == ENETUNREACH);
  CHECK(!fatal);
  CHECK(icmp6_errno(1, 1, &fatal) == EACCES);
  CHECK(fatal);
  CHECK(icmp6_errno(1, 3, &fatal) == EHOSTUNREACH);
  CHECK(!fatal);
  CHECK(icmp6_errno(1, 4, &fatal) == ECONNREFUSED);
  CHECK(fatal);
  CHECK(icmp6_errno(1, 6, &fatal) == EACCES);
  CHECK(icmp6_errno(1, 9, &fatal) == EPROTO);
  CHECK(fatal);
  CHECK(icmp6_errno(2, 0, &fatal) == EMSGSIZE);
  CHECK(!fatal);
  CHECK(icmp6_errno(3, 0, &fatal) == EHOSTUNREACH);
  CHECK(!fatal);
  CHECK(icmp6_errno(4, 1, &fatal) == EPROTO);
  CHECK(fatal);
  CHECK(icmp6_errno(77, 0, &fatal) == EPROTO);
  CHECK(!fatal);
}

TEST_CASE("icmp6: an error quoting our datagram reaches its protocol's pr_ctlinput with the errno") {
  Host6 h;
  fake_register(h);
  Pkt sent = ip6(kUs, kFar, kExp, bytes("12345678abcdefgh"));
  struct Case {
    uint8_t type, code;
    uint32_t info;
    int err;
    bool fatal;
  };
  const Case cases[] = {{1, 4, 0, ECONNREFUSED, true}, {1, 3, 0, EHOSTUNREACH, false},
                        {1, 0, 0, ENETUNREACH, false}, {3, 0, 0, EHOSTUNREACH, false},
                        {4, 0, 42, EPROTO, true},      {2, 0, 1400, EMSGSIZE, false}};
  for (const Case& c : cases) h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, c.type, c.code, c.info, sent)));
  REQUIRE(fake_seen().ctl.size() == std::size(cases));
  for (size_t i = 0; i < std::size(cases); ++i) {
    CAPTURE(i);
    const Ip6CtlParam& p = fake_seen().ctl[i];
    CHECK(p.type == cases[i].type);
    CHECK(p.code == cases[i].code);
    CHECK(p.info == cases[i].info);
    CHECK(p.error == cases[i].err);
    CHECK(p.fatal == cases[i].fatal);
    CHECK(p.offender == kPeer);
    CHECK(p.src == kUs);
    CHECK(p.dst == kFar);
    CHECK(p.proto == kExp);
    CHECK(p.off == 40);
    CHECK(fake_seen().ctl_quoted[i] == sent);
  }
  CHECK(ip6_pmtu(h.in6(), kFar) == 1400);  // packet too big lowered the path MTU first
  CHECK(fake_seen().input.empty());
  CHECK(h.out.empty());  // never an error about an error
}

TEST_CASE("icmp6: pr_ctlinput finds the protocol behind extension headers, errors about others' datagrams are ignored") {
  Host6 h;
  fake_register(h);
  Pkt sent = ip6(kUs, kFar, 60, cat({opthdr(44, {}), fraghdr(kExp, 0, true, 1), bytes("12345678")}));
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 1, 4, 0, sent)));
  REQUIRE(fake_seen().ctl.size() == 1);
  CHECK(fake_seen().ctl[0].off == 56);
  CHECK(fake_seen().ctl[0].proto == kExp);
  // A non-first fragment does not name the upper layer: nobody hears.
  Pkt later = ip6(kUs, kFar, 44, cat({fraghdr(kExp, 8, false, 1), bytes("12345678")}));
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 1, 4, 0, later)));
  // Quoting a datagram some other host sent: not ours.
  Pkt theirs = ip6(kPeer, kFar, kExp, bytes("12345678"));
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 1, 4, 0, theirs)));
  // A protocol without pr_ctlinput is skipped quietly.
  ip6_protox_register(h.in6(), kExp, {fake_input, nullptr});
  h.inject(ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 1, 4, 0, sent)));
  CHECK(fake_seen().ctl.size() == 1);
  CHECK(h.c().inerrors == 4);
  CHECK(h.c().inerrors_delivered == 1);
}
