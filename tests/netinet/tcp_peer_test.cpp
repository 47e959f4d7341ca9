// The scripted TCP peer's own tests: the builder writes what the wire layer
// and tcpdump read back, each checker passes the matching segment and names
// what differs in another, and the peer drives the stack: a SYN to a closed
// port is answered by RST|ACK, and the clock steps stamp each packet with the
// time it left.
#include <doctest/doctest.h>

#include "support/tcp_peer.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

namespace {

TcpSeg syn_seg() {
  TcpSegSpec s;
  s.tcp.sport = 40000;
  s.tcp.dport = 80;
  s.tcp.seq = 1000;
  s.tcp.flags = wire::TH_SYN;
  s.tcp.win = 64240;
  s.tcp.opts = linux_syn_options();
  auto seg = tcp_seg_parse(tcp_build(s));
  REQUIRE(seg);
  return *seg;
}

bool stack_has_tcp(Stack& st) {
  Socket* so = nullptr;
  if (socreate(st, AF_INET, &so, SOCK_STREAM, 0, Td{}) != 0) return false;
  soclose(*so);
  return true;
}

}  // namespace

TEST_CASE("tcp_peer: the builder's packets parse back, checksums right, and print as tcpdump") {
  TcpSegSpec s;
  s.tcp.sport = 40000;
  s.tcp.dport = 80;
  s.tcp.seq = 1000;
  s.tcp.flags = wire::TH_SYN;
  s.tcp.win = 64240;
  s.tcp.opts = linux_syn_options();
  Pkt p = tcp_build(s);
  REQUIRE(p.size() == 60);
  auto ip = wire::ipv4_parse(p);
  REQUIRE(ip);
  CHECK(ip->proto == wire::IPPROTO_TCP_);
  CHECK(ip->df);
  CHECK(wire::tcp_cksum(kPeer, kUs, wire::Bytes(p.data() + 20, 40)) == 0);
  CHECK(wire::tcpdump_line(p) ==
        "IP 10.77.0.1.40000 > 10.77.0.2.80: Flags [S], seq 1000, win 64240, "
        "options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0");
  s.payload = bytes_of("hello");
  s.tcp.flags = wire::TH_ACK | wire::TH_PUSH;
  s.tcp.opts = {};
  auto seg = tcp_seg_parse(tcp_build(s));
  REQUIRE(seg);
  CHECK(seg->cksum_ok);
  CHECK(seg->payload == bytes_of("hello"));
  CHECK(seg->seg_len() == 5);
  s.bad_cksum = true;
  seg = tcp_seg_parse(tcp_build(s));
  REQUIRE(seg);
  CHECK(!seg->cksum_ok);
  std::string why;
  CHECK(!tcp_seg_parse(udp_pkt(kPeer, 1, kUs, 2, Pkt(4)), &why));
  CHECK(why.rfind("not TCP: IP 10.77.0.1.1 > 10.77.0.2.2: UDP", 0) == 0);
}

TEST_CASE("tcp_peer: checkers pass the matching segment and name what differs") {
  TcpSeg s = syn_seg();
  CHECK(tcp_check(s, {tc::flags(wire::TH_SYN), tc::seq(1000), tc::window(64240), tc::src_port(40000),
                      tc::dst_port(80), tc::src(kPeer), tc::dst(kUs), tc::payload_len(0), tc::payload({}),
                      tc::cksum_ok(), tc::mss(1460), tc::wscale(7), tc::sack_permitted(true), tc::ts(),
                      tc::ts_ecr(0), tc::no_sack(), tc::flags_set(wire::TH_SYN), tc::flags_clear(wire::TH_ACK),
                      tc::options_bytes(bytes_of({2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}))})
            .empty());
  CHECK(tcp_check(s, {tc::flags(wire::TH_SYN | wire::TH_ACK)}) == "flags [S], want [S.]");
  CHECK(tcp_check(s, {tc::seq(1001)}) == "seq 1000, want 1001");
  CHECK(tcp_check(s, {tc::ack(1)}) == "no ACK flag, want ack 1");
  CHECK(tcp_check(s, {tc::window(1)}) == "win 64240, want 1");
  CHECK(tcp_check(s, {tc::payload_len(3)}) == "payload length 0, want 3");
  CHECK(tcp_check(s, {tc::mss(536), tc::no_mss()}) == "mss 1460, want 536; mss 1460, want none");
  CHECK(tcp_check(s, {tc::wscale(14), tc::no_wscale()}) == "wscale 7, want 14; wscale 7, want none");
  CHECK(tcp_check(s, {tc::sack_permitted(false)}) == "sackOK, want none");
  CHECK(tcp_check(s, {tc::no_ts(), tc::ts_ecr(5)}) == "TS, want none; TS ecr 0, want 5");
  CHECK(tcp_check(s, {tc::sack({{1, 2}})}) == "sack none, want {1:2}");
  CHECK(tcp_check(s, {tc::flags_set(wire::TH_FIN), tc::flags_clear(wire::TH_SYN)}) ==
        "flags [S], want set [F]; flags [S], want clear [S]");
  CHECK(!tcp_check(s, {tc::options_bytes(bytes_of({1, 1, 1, 0}))}).empty());
  CHECK(!tcp_check(s, {tc::src(kUs), tc::dst(kPeer), tc::src_port(1), tc::dst_port(2)}).empty());
}

TEST_CASE("tcp_peer: the peer's SYN to a closed port of the stack comes back as RST|ACK") {
  Host h;
  TcpPeer peer(h, 40000, 80);
  REQUIRE(stack_has_tcp(h.st));
  peer.send_syn(1000);
  CHECK(peer.snd_nxt == 1001);
  // RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  auto rst = peer.expect({tc::flags(wire::TH_RST | wire::TH_ACK), tc::seq(0), tc::ack(1001), tc::src_port(80),
                          tc::dst_port(40000), tc::payload_len(0), tc::cksum_ok()});
  REQUIRE(rst);
  CHECK(rst->line == "IP 10.77.0.2.80 > 10.77.0.1.40000: Flags [R.], seq 0, ack 1001, win 0, length 0");
  CHECK(peer.rcv_nxt == 0);  // a RST teaches the peer nothing
  CHECK(peer.expect_silence(5s));
}

TEST_CASE("tcp_peer: advance fires timers at their own time and stamps what leaves") {
  Host h;
  TcpPeer peer(h, 40000, 80);
  // A first fragment that never completes: ICMP time exceeded in
  // reassembly after Linux's 30 s (RFC 792), stamped at 30 s.
  Pkt frag = ip_pkt(kPeer, kUs, 17, udp_seg(kPeer, 1, kUs, 2, Pkt(16)), 64, 9, wire::IP_MF_);
  const Time t0 = h.st.now();
  peer.inject(frag);
  CHECK(peer.pending() == 0);
  peer.advance(29s);
  CHECK(peer.pending() == 0);
  peer.advance(60s);
  auto e = peer.take();
  REQUIRE(e);
  CHECK(e->at == t0 + 30s);
  CHECK(h.st.now() == t0 + 89s);
  CHECK(wire::tcpdump_line(e->pkt).rfind("IP 10.77.0.2 > 10.77.0.1: ICMP ip reassembly time exceeded, length ", 0) == 0);
  CHECK(!peer.take());
}
