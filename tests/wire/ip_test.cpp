// Wire quartets for IPv4, ICMP and UDP: well-formed, emitted and re-parsed,
// truncated, lying length and bad checksum; and the tcpdump-style lines.
#include <doctest/doctest.h>

#include "netinet/inet_fixture.hpp"
#include "wire/ip.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("checksum: RFC 1071 example and odd length") {
  Pkt b = bytes_of({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  CHECK(wire::cksum_add(0, b) == 0x2ddf0);
  CHECK(wire::cksum_finish(0x2ddf0) == uint16_t(~0xddf2));
  Pkt odd = bytes_of({0x01});
  CHECK(wire::cksum(odd) == uint16_t(~0x0100));
}

TEST_CASE("ipv4: well-formed header parses and round-trips") {
  Pkt p = ip_pkt(kPeer, kUs, 17, Pkt(12), 63, 0xbeef, wire::IP_DF_, 0x10);
  auto r = wire::ipv4_parse(p);
  REQUIRE(r);
  CHECK(r->hlen == 20);
  CHECK(r->total_len == 32);
  CHECK(r->id == 0xbeef);
  CHECK(r->df);
  CHECK(!r->is_fragment());
  CHECK(r->ttl == 63);
  CHECK(r->tos == 0x10);
  CHECK(r->src == kPeer);
  CHECK(r->dst == kUs);
  Pkt again(20);
  wire::ipv4_emit(again.data(), *r);
  CHECK(std::equal(again.begin(), again.end(), p.begin()));
}

TEST_CASE("ipv4: truncated, lying length, bad checksum, version, IHL, options are refused") {
  Pkt p = ip_pkt(kPeer, kUs, 17, Pkt(12));
  wire::IpError why;
  CHECK(!wire::ipv4_parse(wire::Bytes(p.data(), 19), &why));
  CHECK(why == wire::IpError::kTooShort);
  CHECK(!wire::ipv4_parse(wire::Bytes(p.data(), 31), &why));
  CHECK(why == wire::IpError::kTotalLen);
  Pkt bad = p;
  bad[12] = std::byte(11);
  CHECK(!wire::ipv4_parse(bad, &why));
  CHECK(why == wire::IpError::kChecksum);
  Pkt v6 = p;
  v6[0] = std::byte(0x65);
  CHECK(!wire::ipv4_parse(v6, &why));
  CHECK(why == wire::IpError::kVersion);
  Pkt ihl = p;
  ihl[0] = std::byte(0x44);
  CHECK(!wire::ipv4_parse(ihl, &why));
  CHECK(why == wire::IpError::kHeaderLen);
  // A header with options: NOP, NOP, then a TLV whose length runs past the header.
  Pkt o(24 + 4);
  o[0] = std::byte(0x46);
  wire::put16(&o[2], uint16_t(o.size()));
  o[8] = std::byte(64);
  o[20] = std::byte(1);
  o[21] = std::byte(1);
  o[22] = std::byte(0x44);
  o[23] = std::byte(8);
  wire::put16(&o[10], wire::cksum(wire::Bytes(o.data(), 24)));
  CHECK(!wire::ipv4_parse(o, &why));
  CHECK(why == wire::IpError::kOptions);
  o[23] = std::byte(2);  // a well-formed 2-byte option: skipped
  wire::put16(&o[10], 0);
  wire::put16(&o[10], wire::cksum(wire::Bytes(o.data(), 24)));
  auto r = wire::ipv4_parse(o, &why);
  REQUIRE(r);
  CHECK(r->hlen == 24);
}

TEST_CASE("ipv4: padding after total length is allowed") {
  Pkt p = ip_pkt(kPeer, kUs, 17, Pkt(8));
  p.resize(p.size() + 6);
  auto r = wire::ipv4_parse(p);
  REQUIRE(r);
  CHECK(r->total_len == 28);
}

TEST_CASE("icmp: parse, truncated and bad checksum") {
  Pkt m = icmp_msg(8, 0, 0x00030001, Pkt(56));
  auto r = wire::icmp_parse(m, true);
  REQUIRE(r);
  CHECK(r->type == 8);
  CHECK(r->id() == 3);
  CHECK(r->seq() == 1);
  CHECK(!wire::icmp_parse(wire::Bytes(m.data(), 7), true));
  m[10] = std::byte(1);
  CHECK(!wire::icmp_parse(m, true));
  CHECK(wire::icmp_parse(m, false));
}

TEST_CASE("udp: parse, truncated and lying length") {
  Pkt u = udp_seg(kPeer, 5353, kUs, 53, bytes_of("hello"));
  auto r = wire::udp_parse(u);
  REQUIRE(r);
  CHECK(r->sport == 5353);
  CHECK(r->dport == 53);
  CHECK(r->len == 13);
  CHECK(wire::cksum_finish(wire::cksum_add(wire::pseudo_sum(kPeer, kUs, 17, 13), u)) == 0);
  CHECK(!wire::udp_parse(wire::Bytes(u.data(), 7)));
  CHECK(!wire::udp_parse(wire::Bytes(u.data(), 12)));  // says 13, has 12
  Pkt small = u;
  wire::put16(&small[4], 7);
  CHECK(!wire::udp_parse(small));
}

TEST_CASE("tcpdump: echo request, echo reply, UDP, port unreachable, fragment") {
  Pkt echo = ip_pkt(kUs, kPeer, 1, icmp_msg(8, 0, 0x00030001, Pkt(56)));
  CHECK(wire::tcpdump_line(echo) == "IP 10.77.0.2 > 10.77.0.1: ICMP echo request, id 3, seq 1, length 64");
  Pkt rep = ip_pkt(kPeer, kUs, 1, icmp_msg(0, 0, 0x00030001, Pkt(56)));
  CHECK(wire::tcpdump_line(rep) == "IP 10.77.0.1 > 10.77.0.2: ICMP echo reply, id 3, seq 1, length 64");
  Pkt udp = udp_pkt(kUs, 40000, kPeer, 53, Pkt(30));
  CHECK(wire::tcpdump_line(udp) == "IP 10.77.0.2.40000 > 10.77.0.1.53: UDP, length 30");
  Pkt unr = ip_pkt(kUs, kPeer, 1, icmp_msg(3, 3, 0, udp));
  CHECK(wire::tcpdump_line(unr) == "IP 10.77.0.2 > 10.77.0.1: ICMP 10.77.0.1 udp port 53 unreachable, length 66");
  // The other unreachables name the quoted destination, as tcpdump does.
  Pkt far = ip_pkt(kUs, 0x0a580001, 1, icmp_msg(8, 0, 0x00030001, Pkt(56)));
  CHECK(wire::tcpdump_line(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 0, 0, far))) ==
        "IP 10.77.0.1 > 10.77.0.2: ICMP net 10.88.0.1 unreachable, length 92");
  CHECK(wire::tcpdump_line(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 1, 0, far))) ==
        "IP 10.77.0.1 > 10.77.0.2: ICMP host 10.88.0.1 unreachable, length 92");
  CHECK(wire::tcpdump_line(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 4, 1280, far))) ==
        "IP 10.77.0.1 > 10.77.0.2: ICMP 10.88.0.1 unreachable - need to frag (mtu 1280), length 92");
  Pkt frag = ip_pkt(kUs, kPeer, 17, Pkt(16), 64, 7, 185);
  CHECK(wire::tcpdump_line(frag) == "IP 10.77.0.2 > 10.77.0.1: ip-proto-17");  // as tcpdump -n
  CHECK(wire::tcpdump_line(wire::Bytes(echo.data(), 10)) == "IP  [|ip]");
}

namespace {
// An IPv6 packet: fe80::1 -> dst (16 bytes), next header nh, payload.
Pkt ip6_pkt(const char* src, const char* dst, uint8_t nh, const Pkt& payload) {
  Pkt p(40 + payload.size());
  p[0] = std::byte(0x60);
  wire::put16(&p[4], uint16_t(payload.size()));
  p[6] = std::byte(nh);
  p[7] = std::byte(255);
  inet_pton(AF_INET6, src, &p[8]);
  inet_pton(AF_INET6, dst, &p[24]);
  std::copy(payload.begin(), payload.end(), p.begin() + 40);
  return p;
}
}  // namespace

TEST_CASE("tcpdump: IPv6 heard on a TUN device is summarised as tcpdump's IP6 lines, not a bogus IP one") {
  Pkt rs = ip6_pkt("fe80::1", "ff02::2", 58, bytes_of({133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0}));
  CHECK(wire::tcpdump_line(rs) == "IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 16");
  Pkt ns = bytes_of({135, 0, 0, 0, 0, 0, 0, 0});
  Pkt tgt(16);
  inet_pton(AF_INET6, "fe80::2", tgt.data());
  ns.insert(ns.end(), tgt.begin(), tgt.end());
  CHECK(wire::tcpdump_line(ip6_pkt("::", "ff02::1:ff00:2", 58, ns)) ==
        "IP6 :: > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has fe80::2, length 24");
  Pkt echo = bytes_of({128, 0, 0, 0, 0, 7, 0, 2});
  echo.resize(64);
  CHECK(wire::tcpdump_line(ip6_pkt("fd00::1", "fd00::2", 58, echo)) ==
        "IP6 fd00::1 > fd00::2: ICMP6, echo request, id 7, seq 2, length 64");
  Pkt udp = bytes_of({0x02, 0x22, 0x02, 0x23, 0, 12, 0, 0, 1, 2, 3, 4});
  CHECK(wire::tcpdump_line(ip6_pkt("fe80::1", "ff02::1:2", 17, udp)) == "IP6 fe80::1.546 > ff02::1:2.547: UDP, length 4");
  // MLDv2 report behind a hop-by-hop header (router alert).
  Pkt hbh = bytes_of({58, 0, 5, 2, 0, 0, 1, 0, 143, 0, 0, 0, 0, 0, 0, 1});
  hbh.resize(8 + 28);
  CHECK(wire::tcpdump_line(ip6_pkt("fe80::1", "ff02::16", 0, hbh)) ==
        "IP6 fe80::1 > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28");
  CHECK(wire::tcpdump_line(ip6_pkt("fe80::1", "fe80::2", 6, Pkt(20))) ==
        "IP6 fe80::1.0 > fe80::2.0:  tcp 20 [bad hdr length 0 - too short, < 20]");
  CHECK(wire::tcpdump_line(wire::Bytes(rs.data(), 30)) == " [|ip6]");
  Pkt v0 = bytes_of({0x05, 0, 0, 20});
  CHECK(wire::tcpdump_line(v0) == "IP0 [|ip]");
}
