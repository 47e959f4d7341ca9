// IPv6 output: fragmentation at the source (RFC 8200 §4.5), source address
// selection (RFC 6724 reduced), routes with a default gateway, the path MTU
// from Packet Too Big (RFC 8201, never below 1280), and two stacks pinging
// each other over the in-memory link on one virtual clock.
#include <cerrno>
#include <map>

#include "net/if_memlink.hpp"
#include "netinet6/inet6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

namespace {

// The fragments of one datagram the stack sent: checked and put together.
Pkt reassemble(const std::vector<Pkt>& frags, size_t mtu) {
  std::map<int, Pkt> pieces;
  int total = -1;
  uint32_t id = 0;
  Pkt unfrag;
  for (size_t i = 0; i < frags.size(); ++i) {
    CAPTURE(i);
    const Pkt& p = frags[i];
    CHECK(p.size() <= mtu);
    Out6 o = parse(p);
    REQUIRE(o.ip.nxt == 44);
    auto f = wire::ip6_frag_parse(o.rest);
    REQUIRE(f);
    if (i == 0) id = f->id;
    CHECK(f->id == id);
    Pkt data(o.rest.begin() + 8, o.rest.end());
    if (f->m) CHECK(data.size() % 8 == 0);
    else total = f->off + int(data.size());
    if (f->off == 0) {
      unfrag = Pkt(p.begin(), p.begin() + 40);
      unfrag[6] = std::byte(f->nxt);
    }
    pieces[f->off] = data;
  }
  Pkt out = unfrag;
  int have = 0;
  for (auto& [off, d] : pieces) {
    CHECK(off == have);
    out.insert(out.end(), d.begin(), d.end());
    have += int(d.size());
  }
  CHECK(have == total);
  wire::put16(&out[4], uint16_t(out.size() - 40));
  return out;
}

}  // namespace

TEST_CASE("ip6_output: a datagram larger than the path MTU leaves in fragments of multiples of 8 that reassemble") {
  Host6 h(1, 1500);
  Pkt data = pattern(4000);
  // A 4048-byte echo request, in fragments as a peer on this link sends it.
  Pkt req = icmp6(kPeer, kUs, 128, 0, 0x00090001, data);
  for (int off = 0; off < int(req.size()); off += 1448) {
    int n = std::min(1448, int(req.size()) - off);
    h.inject(ip6(kPeer, kUs, 44, cat({fraghdr(58, uint16_t(off), off + n < int(req.size()), 77), Pkt(req.begin() + off, req.begin() + off + n)})));
  }
  REQUIRE(h.out.size() == 3);
  Pkt whole = reassemble(h.out, 1500);
  Out6 r = parse(whole);
  CHECK(r.sum_ok());
  CHECK(r.type() == 129);
  CHECK(r.quoted() == data);
  CHECK(h.s().fragmented == 1);
  CHECK(h.s().ofragments == 3);
  // Fragment identifications differ from one datagram to the next.
  uint32_t id1 = wire::get32(&h.out[0][44]);
  h.out.clear();
  for (int off = 0; off < int(req.size()); off += 1448) {
    int n = std::min(1448, int(req.size()) - off);
    h.inject(ip6(kPeer, kUs, 44, cat({fraghdr(58, uint16_t(off), off + n < int(req.size()), 78), Pkt(req.begin() + off, req.begin() + off + n)})));
  }
  REQUIRE(h.out.size() == 3);
  CHECK(wire::get32(&h.out[0][44]) != id1);
}

TEST_CASE("ip6_output: too big with IPV6_DONTFRAG is EMSGSIZE, no route is ENETUNREACH") {
  Host6 h(1, 1500, false);
  Ip6OutOpts o;
  o.dontfrag = true;
  Pkt big = pattern(1500);
  CHECK(ip6_output(h.in6(), m_devget(big.data(), int(big.size()), M_NOWAIT, true), {}, kPeer, kExp, o) == EMSGSIZE);
  CHECK(h.s().cantfrag == 1);
  Pkt ok = pattern(1460);
  CHECK(ip6_output(h.in6(), m_devget(ok.data(), int(ok.size()), M_NOWAIT, true), {}, kPeer, kExp, o) == 0);
  CHECK(h.take().rest == ok);
  CHECK(ip6_output(h.in6(), m_devget(ok.data(), int(ok.size()), M_NOWAIT, true), {}, kFar, kExp, {}) == ENETUNREACH);
  CHECK(h.s().noroute == 1);
  // IPV6_USE_MIN_MTU: fragments of at most 1280.
  Ip6OutOpts mm;
  mm.minmtu = true;
  CHECK(ip6_output(h.in6(), m_devget(ok.data(), int(ok.size()), M_NOWAIT, true), {}, kPeer, kExp, mm) == 0);
  REQUIRE(h.out.size() == 2);
  CHECK(reassemble(h.out, 1280) == ip6(kUs, kPeer, kExp, ok));
}

TEST_CASE("in6: source selection: the destination itself, link-local for link scope, global otherwise (RFC 6724 §5)") {
  Host6 h;
  In6 src{};
  CHECK(in6_selectsrc(h.in6(), kUs, nullptr, &src) == 0);
  CHECK(src == kUs);  // rule 1
  CHECK(in6_selectsrc(h.in6(), kUsLL, nullptr, &src) == 0);
  CHECK(src == kUsLL);
  CHECK(in6_selectsrc(h.in6(), kPeerLL, nullptr, &src) == 0);
  CHECK(src == kUsLL);  // rule 2: link-local scope
  CHECK(in6_selectsrc(h.in6(), kAllNodes, h.tun, &src) == 0);
  CHECK(src == kUsLL);
  CHECK(in6_selectsrc(h.in6(), kPeer, nullptr, &src) == 0);
  CHECK(src == kUs);
  CHECK(in6_selectsrc(h.in6(), kFar, nullptr, &src) == 0);
  CHECK(src == kUs);
  CHECK(in6_selectsrc(h.in6(), a6("::1"), nullptr, &src) == 0);
  CHECK(src == a6("::1"));
  // A second interface with its own global: each interface's own address first (rule 5).
  ifnet& t2 = if_attach(h.st, "tun1", 1500, IFF_POINTOPOINT, nullptr);
  REQUIRE(in6_add_address(t2, a6("2001:db8:2::1"), 64) == 0);
  CHECK(in6_selectsrc(h.in6(), a6("2001:db8:2::5"), nullptr, &src) == 0);
  CHECK(src == a6("2001:db8:2::1"));
  // tun1 has no link-local: a link-local destination through it takes its global.
  CHECK(in6_selectsrc(h.in6(), kPeerLL, &t2, &src) == 0);
  CHECK(src == a6("2001:db8:2::1"));
  // An interface with no address at all, for a global: another interface's global.
  ifnet& t3 = if_attach(h.st, "tun2", 1500, IFF_POINTOPOINT, nullptr);
  CHECK(in6_selectsrc(h.in6(), kFar, &t3, &src) == 0);
  CHECK(src == kUs);
}

TEST_CASE("in6: addresses are per interface and per family, errors for bad ones") {
  Host6 h;
  CHECK(h.tun->if_addrs6.size() == 2);
  CHECK(h.tun->if_addrs.empty());
  CHECK(if_loopback(h.st)->if_addrs6.size() == 1);
  CHECK(in6_add_address(*h.tun, kUs, 64) == EEXIST);
  CHECK(in6_add_address(*h.tun, kGroup, 64) == EINVAL);
  CHECK(in6_add_address(*h.tun, a6("::"), 64) == EINVAL);
  CHECK(in6_add_address(*h.tun, a6("2001:db8:5::1"), 129) == EINVAL);
  std::string t = if_stats_text(*h.tun);
  CHECK(t.find("inet6 2001:db8::1/64") != std::string::npos);
  CHECK(t.find("inet6 fe80::1/64") != std::string::npos);
  CHECK(inet6_stats_text(h.st).find("ip6:") == 0);
}

TEST_CASE("in6: off-link destinations need the default route, its gateway must be reachable") {
  Host6 h(1, 1500, false);
  h.inject(echo_req(kFar, kUs, 1, 1, {}));
  CHECK(h.out.empty());
  CHECK(h.s().noroute == 1);
  CHECK(route6_set_default(h.st, a6("2001:db8:9::1")) == ENETUNREACH);
  CHECK(route6_set_default(h.st, kGw) == 0);
  h.inject(echo_req(kFar, kUs, 1, 2, {}));
  REQUIRE(h.out.size() == 1);
  Out6 r = h.take();
  CHECK(r.ip.dst == kFar);
  CHECK(r.ip.src == kUs);
  CHECK(route6_set_default(h.st, a6("::")) == 0);
  h.inject(echo_req(kFar, kUs, 1, 3, {}));
  CHECK(h.out.empty());
}

TEST_CASE("in6: Packet Too Big lowers the path MTU, never raises it, and one below 1280 is discarded (RFC 8201 §4)") {
  Host6 h;
  auto ptb = [&](uint32_t mtu) {
    Pkt sent = ip6(kUs, kFar, 58, icmp6(kUs, kFar, 129, 0, 0, pattern(1400)));
    h.inject(ip6(kGw, kUs, 58, icmp6(kGw, kUs, 2, 0, mtu, sent)));
  };
  CHECK(ip6_pmtu(h.in6(), kFar) == 1500);
  ptb(1400);
  CHECK(ip6_pmtu(h.in6(), kFar) == 1400);
  ptb(1450);  // larger: ignored
  CHECK(ip6_pmtu(h.in6(), kFar) == 1400);
  ptb(600);   // below the minimum: discarded (Linux __ip6_rt_update_pmtu too)
  CHECK(ip6_pmtu(h.in6(), kFar) == 1400);
  CHECK(h.in6().icmp6stat.pmtuchg == 1);
  ptb(1279);
  CHECK(ip6_pmtu(h.in6(), kFar) == 1400);
  ptb(1280);  // the minimum itself is taken
  CHECK(ip6_pmtu(h.in6(), kFar) == 1280);
  CHECK(ip6_pmtu(h.in6(), kPeer) == 1500);  // per destination
  // What we send to kFar now leaves in fragments of at most 1280 bytes.
  h.inject(echo_req(kFar, kUs, 1, 1, pattern(1300)));
  REQUIRE(h.out.size() == 2);
  Out6 r = parse(reassemble(h.out, 1280));
  CHECK(r.type() == 129);
  CHECK(r.quoted() == pattern(1300));
  // Learned values expire (Linux mtu_expires, 600 s).
  h.advance(std::chrono::seconds(600));
  CHECK(ip6_pmtu(h.in6(), kFar) == 1500);
}

TEST_CASE("in6: two stacks ping each other over the in-memory link, fragmenting to its MTU") {
  MemLinkParams lp;
  lp.mtu = 1280;
  lp.delay = std::chrono::milliseconds(5);
  MemLink link(lp);
  Stack a(3), b(4);
  link.connect(a, "mem0", b, "mem0");
  REQUIRE(in6_add_address(link.a(), a6("2001:db8:1::1"), 64) == 0);
  REQUIRE(in6_add_address(link.b(), a6("2001:db8:1::2"), 64) == 0);
  Inet6& ia = inet6(a);
  Inet6& ib = inet6(b);
  for (int i = 0; i < 20; ++i) {
    Pkt data = pattern(size_t(100 + 300 * i));
    Pkt m = icmp6(a6("2001:db8:1::1"), a6("2001:db8:1::2"), 128, 0, uint32_t(i), data);
    REQUIRE(ip6_output(ia, m_devget(m.data(), int(m.size()), M_NOWAIT, true), {}, a6("2001:db8:1::2"), 58, {}) == 0);
    Time t = a.now() + std::chrono::milliseconds(10);
    a.poll(t);
    b.poll(t);
  }
  Time t = a.now() + std::chrono::milliseconds(20);
  a.poll(t);
  b.poll(t);
  a.poll(t);
  CHECK(ib.icmp6stat.inecho == 20);
  CHECK(ia.icmp6stat.intype[129] == 20);
  CHECK(link.stats().toobig == 0);
  CHECK(ia.ip6stat.fragmented > 0);
  CHECK(ib.ip6stat.reassembled == ia.ip6stat.fragmented);
  CHECK(ia.ip6stat.reassembled == ib.ip6stat.fragmented);
}
