// IPv4 input: each malformed case dropped and counted; routing and output
// fragmentation; reassembly in order, out of order, with overlaps and
// duplicates, with a timeout and a memory limit.
#include <random>

#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {
Pkt good_udp() { return udp_pkt(kPeer, 5000, kUs, 9, bytes_of("x")); }
}

TEST_CASE("ip: each malformed header is dropped with its own counter") {
  Host h;
  IpStat& s = h.in().ipstat;
  Pkt p = good_udp();
  h.inject(Pkt(p.begin(), p.begin() + 12));
  CHECK(s.tooshort == 1);
  Pkt v = p;
  v[0] = std::byte(0x65);
  h.inject(v);
  CHECK(s.badvers == 1);
  Pkt ihl = p;
  ihl[0] = std::byte(0x4f);  // 60-byte header in a 29-byte packet
  h.inject(ihl);
  CHECK(s.badhlen == 1);
  h.inject(Pkt(p.begin(), p.end() - 1));  // lying total length
  CHECK(s.badlen == 1);
  Pkt sum = p;
  sum[10] ^= std::byte(0xff);
  h.inject(sum);
  CHECK(s.badsum == 1);
  h.inject(ip_pkt(kPeer, kUs, 17, udp_seg(kPeer, 5000, kUs, 9, bytes_of("x")), 0));  // TTL 0
  CHECK(s.badttl == 1);
  h.inject(ip_pkt(0xe0000001, kUs, 17, udp_seg(0xe0000001, 5000, kUs, 9, bytes_of("x"))));
  CHECK(s.badaddr == 1);
  h.inject(ip_pkt(kPeer, 0x0a4d0063, 17, udp_seg(kPeer, 5000, 0x0a4d0063, 9, bytes_of("x"))));
  CHECK(s.notforus == 1);
  h.inject(ip_pkt(kPeer, 0x7f000001, 17, udp_seg(kPeer, 5000, 0x7f000001, 9, bytes_of("x"))));
  CHECK(s.notforus == 2);  // 127/8 never arrives from a wire
  CHECK(h.tun->if_data.rx_dropped == 9);
  CHECK(h.tun->if_data.rx_packets == 9);
  CHECK(s.delivered == 0);
  CHECK(h.out.empty());  // no ICMP about any of them
}

TEST_CASE("ip: options are parsed and skipped, the datagram still delivered") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  Pkt udp = udp_seg(kPeer, 5000, kUs, 9, bytes_of("opt"));
  Pkt p(24 + udp.size());
  p[0] = std::byte(0x46);
  wire::put16(&p[2], uint16_t(p.size()));
  p[8] = std::byte(64);
  p[9] = std::byte(17);
  wire::put32(&p[12], kPeer);
  wire::put32(&p[16], kUs);
  p[20] = std::byte(0x94);  // router alert, length 4
  p[21] = std::byte(4);
  wire::put16(&p[10], wire::cksum(wire::Bytes(p.data(), 24)));
  std::copy(udp.begin(), udp.end(), p.begin() + 24);
  h.inject(p);
  Rcvd r = recv_from(*so);
  CHECK(r.err == 0);
  CHECK(r.data == bytes_of("opt"));
  soclose(*so);
}

TEST_CASE("ip: link padding after the datagram is trimmed") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  Pkt p = udp_pkt(kPeer, 5000, kUs, 9, bytes_of("pad"));
  p.resize(p.size() + 10);
  h.inject(p);
  Rcvd r = recv_from(*so);
  CHECK(r.data == bytes_of("pad"));
  soclose(*so);
}

TEST_CASE("ip: an unknown protocol draws protocol unreachable") {
  Host h;
  h.inject(ip_pkt(kPeer, kUs, 99, Pkt(8)));
  CHECK(h.in().ipstat.noproto == 1);
  REQUIRE(h.out.size() == 1);
  Pkt e = h.take();
  CHECK(uint8_t(e[20]) == 3);
  CHECK(uint8_t(e[21]) == 2);
}

TEST_CASE("ip: no route is ENETUNREACH, the default gateway carries the rest") {
  Host h;
  Socket* so = mksock(h.st);
  CHECK(send_to(*so, bytes_of("a"), &(const SockAddr&)sin(kFar, 53)) == 0);
  CHECK(h.out.size() == 1);
  route_set_default(h.st, 0);
  CHECK(send_to(*so, bytes_of("a"), &(const SockAddr&)sin(kFar, 53)) == ENETUNREACH);
  CHECK(h.in().ipstat.noroute >= 1);
  CHECK(route_set_default(h.st, kFar) == ENETUNREACH);  // gateway not on a connected net
  soclose(*so);
}

TEST_CASE("ip: output is fragmented to the MTU, DF with IP_PMTUDISC_DO is EMSGSIZE") {
  Host h;
  Socket* so = mksock(h.st);
  SockAddr to = sin(kPeer, 7);
  REQUIRE(send_to(*so, Pkt(3000, std::byte(0xab)), &to) == 0);
  REQUIRE(h.out.size() == 3);
  size_t total = 0;
  uint16_t id = wire::get16(&h.out[0][4]);
  for (size_t i = 0; i < 3; ++i) {
    auto r = wire::ipv4_parse(h.out[i]);
    REQUIRE(r);
    CHECK(r->total_len <= 1500);
    CHECK(r->id == id);
    CHECK(!r->df);
    CHECK(r->mf == (i < 2));
    CHECK(r->frag_off == total);
    total += r->total_len - 20u;
  }
  CHECK(total == 3008);
  CHECK(h.in().ipstat.fragmented == 1);
  CHECK(h.in().ipstat.ofragments == 3);
  // A datagram that fits goes with DF set (Linux IP_PMTUDISC_WANT).
  h.out.clear();
  REQUIRE(send_to(*so, Pkt(100), &to) == 0);
  CHECK(wire::ipv4_parse(h.take())->df);
  REQUIRE(setopt_int(*so, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == 0);
  CHECK(send_to(*so, Pkt(3000), &to) == EMSGSIZE);
  CHECK(h.out.empty());
  soclose(*so);
}

namespace {
// Fragments of one UDP datagram to port 9 carrying n bytes of pattern.
struct Frags {
  Pkt udp;
  Pkt frag(size_t off, size_t len, bool more, uint16_t id = 77) const {
    Pkt part(udp.begin() + long(off), udp.begin() + long(off + len));
    return ip_pkt(kPeer, kUs, 17, part, 64, id, uint16_t((more ? wire::IP_MF_ : 0) | (off / 8)));
  }
};
Frags make_frags(size_t n) {
  Pkt data(n);
  for (size_t i = 0; i < n; ++i) data[i] = std::byte(i * 7);
  return Frags{udp_seg(kPeer, 5000, kUs, 9, data)};
}
Pkt payload_of(const Frags& f) { return Pkt(f.udp.begin() + 8, f.udp.end()); }
}  // namespace

TEST_CASE("ip: reassembly in order and out of order") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  Frags f = make_frags(2000);  // 2008 bytes of UDP
  h.inject(f.frag(0, 1000, true));
  h.inject(f.frag(1000, 1000, true));
  h.inject(f.frag(2000, 8, false));
  Rcvd r = recv_from(*so);
  CHECK(r.data == payload_of(f));
  h.inject(f.frag(2000, 8, false, 78));
  h.inject(f.frag(1000, 1000, true, 78));
  CHECK(recv_from(*so).err == EWOULDBLOCK);
  h.inject(f.frag(0, 1000, true, 78));
  CHECK(recv_from(*so).data == payload_of(f));
  CHECK(h.in().ipstat.reassembled == 2);
  CHECK(h.in().reass.empty());
  CHECK(h.in().reass_bytes == 0);
  soclose(*so);
}

TEST_CASE("ip: reassembly with overlaps and duplicates keeps the first bytes") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  Frags f = make_frags(1200);  // 1208 bytes
  f.udp[6] = f.udp[7] = std::byte(0);  // no checksum: the mixed bytes must still arrive
  h.inject(f.frag(0, 400, true));
  h.inject(f.frag(0, 400, true));  // duplicate
  CHECK(h.in().ipstat.fragdropped == 1);
  Frags other = f;
  for (size_t i = 300; i < 700; ++i) other.udp[i] = std::byte(0xee);
  h.inject(other.frag(304, 400, true));  // overlaps the first: the old bytes win
  h.inject(f.frag(600, 608, false));     // overlaps the second
  Rcvd r = recv_from(*so);
  Pkt want = payload_of(f);
  for (size_t i = 400; i < 700; ++i) want[i - 8] = std::byte(0xee);
  CHECK(r.data == want);
  soclose(*so);
}

TEST_CASE("ip: reassembly times out after 30 s with ICMP time exceeded") {
  Host h;
  Frags f = make_frags(1200);
  h.inject(f.frag(0, 600, true));
  h.advance(std::chrono::seconds(29));
  CHECK(h.in().reass.size() == 1);
  CHECK(h.out.empty());
  h.advance(std::chrono::seconds(1));
  CHECK(h.in().reass.empty());
  CHECK(h.in().ipstat.fragtimeout == 1);
  REQUIRE(h.out.size() == 1);
  Pkt e = h.take();
  CHECK(uint8_t(e[20]) == 11);
  CHECK(uint8_t(e[21]) == 1);
  // Without the first fragment there is nobody to tell.
  h.inject(f.frag(600, 608, false, 90));
  h.advance(std::chrono::seconds(31));
  CHECK(h.out.empty());
  CHECK(h.in().ipstat.fragtimeout == 2);
}

TEST_CASE("ip: the reassembly memory limit evicts the oldest datagram") {
  Host h;
  h.in().reass_limit = 3000;
  Frags f = make_frags(4000);
  h.inject(f.frag(0, 1000, true, 1));
  h.inject(f.frag(0, 1000, true, 2));
  h.inject(f.frag(0, 1000, true, 3));
  CHECK(h.in().reass.size() == 3);
  h.inject(f.frag(0, 1000, true, 4));
  CHECK(h.in().reass.size() == 3);
  CHECK(h.in().reass.front().id == 2);
  CHECK(h.in().reass_bytes <= 3000);
  CHECK(h.in().ipstat.fragdropped == 1);
}

TEST_CASE("ip: a fragment past 65535 bytes and a ragged middle fragment are dropped") {
  Host h;
  Frags f = make_frags(100);
  h.inject(ip_pkt(kPeer, kUs, 17, Pkt(100), 64, 5, uint16_t(0x1fff)));
  h.inject(ip_pkt(kPeer, kUs, 17, Pkt(13), 64, 6, wire::IP_MF_));
  CHECK(h.in().ipstat.fragdropped == 2);
  CHECK(h.in().reass.empty());
}

TEST_CASE("ip: 20000 random and mutated packets: no crash, every one accounted for") {
  Host h;
  Socket* so = mksock(h.st);
  REQUIRE(sobind(*so, sin(0, 9), Td{}) == 0);
  std::mt19937_64 rng(42);
  std::vector<Pkt> seeds = {udp_pkt(kPeer, 1, kUs, 9, bytes_of("seed")),
                            ip_pkt(kPeer, kUs, 1, icmp_msg(8, 0, 1, Pkt(16))),
                            ip_pkt(kPeer, kUs, 17, Pkt(16), 64, 9, wire::IP_MF_)};
  for (int i = 0; i < 20000; ++i) {
    Pkt p;
    if (i % 2) {
      p.resize(rng() % 80);
      for (auto& b : p) b = std::byte(rng());
    } else {
      p = seeds[rng() % seeds.size()];
      for (int k = 0, n = int(rng() % 4); k < n; ++k) p[rng() % p.size()] = std::byte(rng());
      if (rng() % 4 == 0) p.resize(rng() % (p.size() + 1));
    }
    h.inject(p);
    if (i % 100 == 0) {
      h.advance(std::chrono::seconds(1));
      while (recv_from(*so).err == 0) {
      }
      h.out.clear();
    }
  }
  const IpStat& s = h.in().ipstat;
  CHECK(s.total == 20000);
  uint64_t refused = s.tooshort + s.badvers + s.badhlen + s.badlen + s.badsum + s.badoptions + s.badttl +
                     s.badaddr + s.notforus;
  CHECK(refused + s.fragments + s.delivered + s.noproto - s.reassembled == s.total);
  CHECK(refused > 10000);
  soclose(*so);
}
