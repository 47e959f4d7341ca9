// Wire quartet for TCP (RFC 9293 §3.1, §3.2; RFC 7323; RFC 2018): literal
// segments parse, emit writes Linux's option layouts byte for byte, parse and
// emit round-trip, and truncated, lying data offsets and bad option lengths
// are refused with their reason.
#include <doctest/doctest.h>

#include <random>

#include "netinet/inet_fixture.hpp"
#include "wire/tcp.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

// A SYN as Linux sends it: 40000 -> 80, seq 1000, win 64240,
// options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7].
Pkt linux_syn() {
  return bytes_of({0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
                   0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
                   0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01,
                   0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07});
}

Pkt emit(const wire::TcpRepr& r) {
  Pkt p(60);
  size_t n = wire::tcp_emit(p.data(), r);
  p.resize(n);
  return p;
}

}  // namespace

TEST_CASE("tcp: a Linux SYN parses with all its options") {
  Pkt p = linux_syn();
  wire::TcpError why = wire::TcpError::kOptions;
  auto r = wire::tcp_parse(p, &why);
  REQUIRE(r);
  CHECK(why == wire::TcpError::kNone);
  CHECK(r->sport == 40000);
  CHECK(r->dport == 80);
  CHECK(r->seq == 1000);
  CHECK(r->ack == 0);
  CHECK(r->flags == wire::TH_SYN);
  CHECK(r->win == 64240);
  CHECK(r->hlen == 40);
  REQUIRE(r->opts.mss);
  CHECK(*r->opts.mss == 1460);
  CHECK(r->opts.sack_permitted);
  CHECK(r->opts.has_ts);
  CHECK(r->opts.ts_val == 1);
  CHECK(r->opts.ts_ecr == 0);
  REQUIRE(r->opts.wscale);
  CHECK(*r->opts.wscale == 7);
  CHECK(r->opts.nsack == 0);
}

TEST_CASE("tcp: emit writes Linux's SYN layout mss,sackOK,TS,nop,wscale") {
  wire::TcpRepr r;
  r.sport = 40000;
  r.dport = 80;
  r.seq = 1000;
  r.flags = wire::TH_SYN;
  r.win = 64240;
  r.cksum = 0x1234;  // ignored by emit
  r.opts.mss = 1460;
  r.opts.sack_permitted = true;
  r.opts.has_ts = true;
  r.opts.ts_val = 1;
  r.opts.wscale = 7;
  CHECK(wire::tcp_options_len(r.opts) == 20);
  CHECK(emit(r) == linux_syn());
}

TEST_CASE("tcp: emit without timestamps writes mss,nop,nop,sackOK,nop,wscale") {
  wire::TcpRepr r;
  r.flags = wire::TH_SYN | wire::TH_ACK;
  r.opts.mss = 536;
  r.opts.sack_permitted = true;
  r.opts.wscale = 14;
  Pkt p = emit(r);
  REQUIRE(p.size() == 32);
  CHECK(p[12] == std::byte(0x80));
  CHECK(p[13] == std::byte(0x12));
  Pkt opts(p.begin() + 20, p.end());
  CHECK(opts == bytes_of({0x02, 0x04, 0x02, 0x18, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03, 0x0e}));
}

TEST_CASE("tcp: data segment layouts nop,nop,TS then nop,nop,sack N") {
  wire::TcpRepr r;
  r.flags = wire::TH_ACK;
  r.opts.has_ts = true;
  r.opts.ts_val = 0x01020304;
  r.opts.ts_ecr = 0x0a0b0c0d;
  Pkt p = emit(r);
  REQUIRE(p.size() == 32);
  CHECK(Pkt(p.begin() + 20, p.end()) ==
        bytes_of({0x01, 0x01, 0x08, 0x0a, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d}));
  r.opts.nsack = 2;
  r.opts.sack[0] = {0x100, 0x200};
  r.opts.sack[1] = {0x300, 0x400};
  p = emit(r);
  REQUIRE(p.size() == 20 + 12 + 4 + 16);
  CHECK(Pkt(p.begin() + 32, p.end()) ==
        bytes_of({0x01, 0x01, 0x05, 0x12, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0}));
}

TEST_CASE("tcp: SACK blocks beyond 40 option bytes are left out") {
  wire::TcpOptions o;
  o.nsack = 4;
  for (uint32_t i = 0; i < 4; ++i) o.sack[i] = {i * 10, i * 10 + 5};
  CHECK(wire::tcp_sack_fit(o) == 4);
  CHECK(wire::tcp_options_len(o) == 36);
  o.has_ts = true;
  CHECK(wire::tcp_sack_fit(o) == 3);  // as Linux: 3 blocks beside timestamps
  CHECK(wire::tcp_options_len(o) == 40);
  wire::TcpRepr r;
  r.opts = o;
  Pkt p = emit(r);
  CHECK(p.size() == 60);
  auto back = wire::tcp_parse(p);
  REQUIRE(back);
  CHECK(back->opts.nsack == 3);
  CHECK(back->opts.sack[2].start == 20);
  CHECK(back->opts.sack[2].end == 25);
}

TEST_CASE("tcp: round trip of every option and field") {
  wire::TcpRepr r;
  r.sport = 1;
  r.dport = 65535;
  r.seq = 0xfffffff0;
  r.ack = 0x80000001;
  r.flags = 0xff;
  r.win = 502;
  r.urp = 7;
  r.opts.mss = 1400;
  r.opts.wscale = 15;  // kept as sent; the receiver clamps (RFC 7323 §2.3)
  r.opts.sack_permitted = true;
  r.opts.has_ts = true;
  r.opts.ts_val = 99;
  r.opts.ts_ecr = 98;
  r.opts.nsack = 1;
  r.opts.sack[0] = {5, 6};
  Pkt seg = emit(r);
  seg.push_back(std::byte('x'));  // payload
  auto b = wire::tcp_parse(seg);
  REQUIRE(b);
  CHECK(b->sport == r.sport);
  CHECK(b->dport == r.dport);
  CHECK(b->seq == r.seq);
  CHECK(b->ack == r.ack);
  CHECK(b->flags == r.flags);
  CHECK(b->win == r.win);
  CHECK(b->urp == r.urp);
  CHECK(b->hlen == seg.size() - 1);
  CHECK(*b->opts.mss == 1400);
  CHECK(*b->opts.wscale == 15);
  CHECK(b->opts.sack_permitted);
  CHECK(b->opts.ts_val == 99);
  CHECK(b->opts.ts_ecr == 98);
  REQUIRE(b->opts.nsack == 1);
  CHECK(b->opts.sack[0].start == 5);
  CHECK(b->opts.sack[0].end == 6);
  CHECK(emit(*b) == Pkt(seg.begin(), seg.end() - 1));
  // The checksum helper: a segment carrying its checksum sums to zero.
  wire::tcp_set_cksum(seg.data(), wire::tcp_cksum(kPeer, kUs, seg));
  CHECK(wire::tcp_cksum(kPeer, kUs, seg) == 0);
  CHECK(wire::tcp_parse(seg)->cksum != 0);
}

TEST_CASE("tcp: EOL ends the options, NOPs and unknown kinds are skipped") {
  Pkt p = linux_syn();
  // Replace "nop,wscale 7" by "EOL" + garbage: parsing stops at EOL.
  p[36] = std::byte(0);
  p[37] = std::byte(0xff);
  auto r = wire::tcp_parse(p);
  REQUIRE(r);
  CHECK(!r->opts.wscale);
  CHECK(r->opts.has_ts);
  // An unknown kind 30 (MPTCP) of length 4 is skipped.
  p = linux_syn();
  p[36] = std::byte(30);
  p[37] = std::byte(4);
  r = wire::tcp_parse(p);
  REQUIRE(r);
  CHECK(!r->opts.wscale);
  CHECK(*r->opts.mss == 1460);
}

TEST_CASE("tcp: truncated and lying data offsets are refused") {
  Pkt p = linux_syn();
  wire::TcpError why;
  CHECK(!wire::tcp_parse(wire::Bytes(p.data(), 19), &why));
  CHECK(why == wire::TcpError::kTooShort);
  CHECK(!wire::tcp_parse(wire::Bytes(p.data(), 0), &why));
  CHECK(why == wire::TcpError::kTooShort);
  // Data offset 10 (40 bytes) but only 39 bytes at hand.
  CHECK(!wire::tcp_parse(wire::Bytes(p.data(), 39), &why));
  CHECK(why == wire::TcpError::kDataOffset);
  // Data offset below 5.
  Pkt small = p;
  small[12] = std::byte(0x40);
  CHECK(!wire::tcp_parse(small, &why));
  CHECK(why == wire::TcpError::kDataOffset);
  // Data offset 15 on a 40-byte segment.
  Pkt big = p;
  big[12] = std::byte(0xf0);
  CHECK(!wire::tcp_parse(big, &why));
  CHECK(why == wire::TcpError::kDataOffset);
  // Data offset 5 on the same bytes: options become payload, parse succeeds.
  Pkt five = p;
  five[12] = std::byte(0x50);
  auto r = wire::tcp_parse(five, &why);
  REQUIRE(r);
  CHECK(why == wire::TcpError::kNone);
  CHECK(r->hlen == 20);
  CHECK(!r->opts.mss);
}

TEST_CASE("tcp: bad option lengths are refused") {
  wire::TcpError why;
  auto refused = [&](std::initializer_list<int> opt) {
    Pkt p = bytes_of({0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x10, 0, 0, 0, 0, 0, 0});
    Pkt o = bytes_of(opt);
    p.insert(p.end(), o.begin(), o.end());
    p[12] = std::byte((p.size() / 4) << 4);
    why = wire::TcpError::kNone;
    return !wire::tcp_parse(p, &why) && why == wire::TcpError::kOptions;
  };
  CHECK(refused({0x02, 0x03, 0x05, 0x01}));                    // MSS length 3
  CHECK(refused({0x02, 0x05, 0x05, 0xb4, 0, 0, 0, 0}));       // MSS length 5
  CHECK(refused({0x01, 0x03, 0x04, 0x07}));                   // wscale length 4
  CHECK(refused({0x04, 0x03, 0x00, 0x00}));                   // sackOK length 3
  CHECK(refused({0x08, 0x08, 0, 0, 0, 1, 0, 0}));             // TS length 8
  CHECK(refused({0x05, 0x06, 0, 0, 0, 1, 0, 0}));             // SACK of 4 bytes
  CHECK(refused({0x05, 0x02, 0x01, 0x01}));                   // SACK with no block
  CHECK(refused({0x01, 0x01, 0x05, 0x0b, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0}));  // SACK 9 bytes
  CHECK(refused({0x1e, 0x01, 0x01, 0x01}));                   // length 1
  CHECK(refused({0x1e, 0x00, 0x01, 0x01}));                   // length 0
  CHECK(refused({0x01, 0x01, 0x1e, 0x08}));                   // runs past the header
  CHECK(refused({0x01, 0x01, 0x01, 0x02}));                   // kind with no length byte
  CHECK(!refused({0x01, 0x01, 0x01, 0x00}));                  // NOPs then EOL: fine
}

TEST_CASE("tcp: seeded random reprs round-trip, random bytes never parse past the segment") {
  const uint64_t seed = 11;
  std::mt19937_64 rng(seed);
  CAPTURE(seed);
  for (int i = 0; i < 5000; ++i) {
    wire::TcpRepr r;
    r.sport = uint16_t(rng());
    r.dport = uint16_t(rng());
    r.seq = uint32_t(rng());
    r.ack = uint32_t(rng());
    r.flags = uint8_t(rng());
    r.win = uint16_t(rng());
    r.urp = uint16_t(rng());
    if (rng() % 2) r.opts.mss = uint16_t(rng());
    if (rng() % 2) r.opts.wscale = uint8_t(rng());
    r.opts.sack_permitted = rng() % 2;
    r.opts.has_ts = rng() % 2;
    if (r.opts.has_ts) r.opts.ts_val = uint32_t(rng()), r.opts.ts_ecr = uint32_t(rng());
    r.opts.nsack = uint8_t(rng() % 5);
    for (auto& b : r.opts.sack) b = {uint32_t(rng()), uint32_t(rng())};
    Pkt p = emit(r);
    CAPTURE(i);
    REQUIRE(p.size() % 4 == 0);
    REQUIRE(p.size() <= 60);
    auto b = wire::tcp_parse(p);
    REQUIRE(b);
    CHECK(b->hlen == p.size());
    CHECK((b->sport == r.sport && b->dport == r.dport && b->seq == r.seq && b->ack == r.ack));
    CHECK((b->flags == r.flags && b->win == r.win && b->urp == r.urp));
    CHECK(b->opts.mss == r.opts.mss);
    CHECK(b->opts.wscale == r.opts.wscale);
    CHECK(b->opts.sack_permitted == r.opts.sack_permitted);
    CHECK(b->opts.has_ts == r.opts.has_ts);
    CHECK(b->opts.ts_val == r.opts.ts_val);
    CHECK(b->opts.ts_ecr == r.opts.ts_ecr);
    const uint8_t fit = wire::tcp_sack_fit(r.opts);
    REQUIRE(b->opts.nsack == fit);
    for (uint8_t k = 0; k < fit; ++k)
      CHECK((b->opts.sack[k].start == r.opts.sack[k].start && b->opts.sack[k].end == r.opts.sack[k].end));
  }
  for (int i = 0; i < 5000; ++i) {
    Pkt junk(rng() % 64);
    for (auto& c : junk) c = std::byte(rng());
    if (junk.size() > 12 && rng() % 2) junk[12] = std::byte((5 + rng() % 11) << 4);
    wire::TcpError why;
    auto r = wire::tcp_parse(junk, &why);
    CAPTURE(i);
    if (r) {
      CHECK(why == wire::TcpError::kNone);
      CHECK(r->hlen <= junk.size());
      CHECK(r->hlen >= 20);
      CHECK(r->opts.nsack <= 4);
    } else {
      CHECK(why != wire::TcpError::kNone);
    }
  }
}
