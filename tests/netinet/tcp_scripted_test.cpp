// Scripted-peer tests of TCP's RFC 9293 §3.10 events: the test plays the
// remote host with support/tcp_peer.hpp, injects built segments, checks each
// segment the stack sends, and steps the virtual clock itself.
// RFC 9293 §3.10.7.1 (closed port), §3.10.7.3/§3.10.7.4 (SYN-RECEIVED, RST
// checks), RFC 5961 §3.2 (challenge ACK), RFC 2018 §4 (SACK on
// out-of-order data), RFC 7323 §2-§3 and RFC 2018 §2 (SYN-ACK options).
#include <doctest/doctest.h>

#include "netinet/tcp_pair.hpp"
#include "support/tcp_peer.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;
using wire::TH_ACK;
using wire::TH_FIN;
using wire::TH_PUSH;
using wire::TH_RST;
using wire::TH_SYN;

namespace {

TcpStat& tstat(Host& h) { return tcp_globals(h.in()).stat; }

// A listener on port 80 of a Host and a peer at 10.77.0.1:40000.
struct Scripted {
  Host h;
  TcpPeer peer{h, 40000, 80};
  Socket* lis = nullptr;
  Socket* srv = nullptr;
  uint32_t iss = 0;  // the stack's initial sequence number

  Scripted() { lis = tcp_listener(h.st, 80); }
  // ~Stack aborts the connections still alive after Host's packet vector
  // is gone (Host declares it after the Stack): their RSTs would land in
  // freed memory. Close, then take the interface's transmit away.
  ~Scripted() {
    if (srv) soclose(*srv);
    if (lis) soclose(*lis);
    h.tun->if_transmit = nullptr;
  }
  // Linux's SYN, the SYN-ACK, the ACK; the connection accepted.
  void establish() {
    peer.send_syn(1000);
    auto sa = peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)});
    REQUIRE(sa);
    iss = sa->tcp.seq;
    peer.send(TH_ACK);
    CHECK(peer.pending() == 0);
    srv = accept_one(*lis);
    REQUIRE(srv);
    CHECK(tstate(*srv) == TcpState::ESTABLISHED);
  }
};

}  // namespace

TEST_CASE("tcp scripted: SYN to a closed port gets RST|ACK ack=seq+1, then nothing for 5 s (§3.10.7.1)") {
  Host h;
  TcpPeer peer(h, 40000, 9);
  const uint64_t rst0 = tstat(h).sndrst;
  peer.send_syn(1000);
  peer.expect({tc::flags(TH_RST | TH_ACK), tc::seq(0), tc::ack(1001), tc::window(0), tc::src_port(9),
               tc::dst_port(40000), tc::payload_len(0), tc::cksum_ok(), tc::no_mss(), tc::no_ts()});
  CHECK(peer.expect_silence(5s));
  CHECK(tstat(h).sndrst == rst0 + 1);
  // With data on the SYN: ACK = SEG.SEQ + SEG.LEN, the SYN counted.
  peer.snd_nxt = 5000;
  peer.send(TH_SYN, bytes_of("hello"));
  peer.expect({tc::flags(TH_RST | TH_ACK), tc::seq(0), tc::ack(5006)});
  // A segment with ACK: <SEQ=SEG.ACK><CTL=RST>, no ACK flag.
  peer.rcv_nxt = 777;
  peer.send(TH_ACK, bytes_of("x"));
  peer.expect({tc::flags(TH_RST), tc::seq(777)});
  // A RST to a closed port is not answered.
  peer.send(TH_RST);
  peer.send(TH_RST | TH_ACK);
  CHECK(peer.expect_silence(5s));
}

TEST_CASE("tcp scripted: a listener's SYN-ACK carries Linux's options in Linux's layout") {
  Scripted s;
  s.peer.send_syn(1000);
  auto sa = s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001), tc::mss(1460), tc::sack_permitted(true),
                           tc::ts_ecr(1), tc::no_sack(), tc::payload_len(0), tc::cksum_ok(), tc::src_port(80)});
  REQUIRE(sa);
  REQUIRE(sa->options.size() == 20);  // mss, sackOK+TS, nop, wscale
  CHECK(Pkt(sa->options.begin(), sa->options.begin() + 8) == bytes_of({2, 4, 5, 0xb4, 4, 2, 8, 10}));
  CHECK(Pkt(sa->options.begin() + 16, sa->options.begin() + 19) == bytes_of({1, 3, 3}));
  CHECK(sa->tcp.opts.wscale);
}

TEST_CASE("tcp scripted: SYN-ACK options follow the SYN's (RFC 7323 §2.2, §3.2 - RFC 2018 §2)") {
  SUBCASE("no options: MSS only") {
    Scripted s;
    s.peer.send(TH_SYN);
    s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001), tc::mss(1460), tc::no_ts(), tc::no_wscale(),
                   tc::sack_permitted(false), tc::options_bytes(bytes_of({2, 4, 5, 0xb4}))});
  }
  SUBCASE("sackOK and wscale without TS: mss,nop,nop,sackOK,nop,wscale") {
    Scripted s;
    wire::TcpRepr t = s.peer.make(TH_SYN);
    t.opts.mss = 1400;
    t.opts.sack_permitted = true;
    t.opts.wscale = 2;
    s.peer.send(t);
    auto sa = s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::no_ts(), tc::sack_permitted(true), tc::mss(1460)});
    REQUIRE(sa);
    REQUIRE(sa->options.size() == 12);
    CHECK(Pkt(sa->options.begin() + 4, sa->options.begin() + 11) == bytes_of({1, 1, 4, 2, 1, 3, 3}));
  }
  SUBCASE("TS without sackOK: mss,nop,nop,TS then nop,wscale") {
    Scripted s;
    wire::TcpRepr t = s.peer.make(TH_SYN);
    t.opts.mss = 1460;
    t.opts.has_ts = true;
    t.opts.ts_val = 77;
    t.opts.wscale = 7;
    s.peer.send(t);
    auto sa = s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ts_ecr(77), tc::sack_permitted(false)});
    REQUIRE(sa);
    REQUIRE(sa->options.size() == 20);
    CHECK(Pkt(sa->options.begin() + 4, sa->options.begin() + 8) == bytes_of({1, 1, 8, 10}));
  }
}

// Linux's first window is 64240 and grows only as the program reads: the
// ACK completing the handshake draws no window update.
TEST_CASE("tcp scripted: the ACK that completes the handshake draws no segment (Linux)") {
  Scripted s;
  s.peer.send_syn(1000);
  s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)});
  s.peer.send(TH_ACK);
  CHECK(s.peer.pending() == 0);
  REQUIRE(accept_one(*s.lis));
  CHECK(s.peer.expect_silence(5s));
}

TEST_CASE("tcp scripted: an unacceptable ACK in SYN-RECEIVED gets <SEQ=SEG.ACK><CTL=RST> (§3.10.7.4)") {
  Scripted s;
  s.peer.send_syn(1000);
  auto sa = s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)});
  REQUIRE(sa);
  const uint32_t good = s.peer.rcv_nxt;
  s.peer.rcv_nxt = good + 1000;  // acknowledges what was never sent
  s.peer.send(s.peer.make(TH_ACK));
  s.peer.snd_nxt = 1001;
  s.peer.expect({tc::flags(TH_RST), tc::seq(good + 1000), tc::payload_len(0)}, false);
  // The half-open connection survives (Linux keeps the request): the right
  // ACK completes it.
  CHECK(s.lis->so_comp.empty());
  s.peer.rcv_nxt = good;
  s.peer.send(TH_ACK);
  Socket* srv = accept_one(*s.lis);
  REQUIRE(srv);
  CHECK(tstate(*srv) == TcpState::ESTABLISHED);
}

TEST_CASE("tcp scripted: RST checks in ESTABLISHED (§3.10.7.4, RFC 5961 §3.2)") {
  Scripted s;
  s.establish();
  const uint32_t nxt = s.peer.snd_nxt;
  const uint64_t challenge0 = tstat(s.h).challenge_acks;
  SUBCASE("out of the window: ignored") {
    wire::TcpRepr r = s.peer.make(TH_RST);
    r.seq = nxt + (1u << 30);
    s.peer.send(r);
    CHECK(s.peer.expect_silence(1s));
    CHECK(tstate(*s.srv) == TcpState::ESTABLISHED);
    r.seq = nxt - 1;  // just left of RCV.NXT
    s.peer.send(r);
    CHECK(s.peer.expect_silence(1s));
    CHECK(tstate(*s.srv) == TcpState::ESTABLISHED);
  }
  SUBCASE("in the window, not RCV.NXT: a challenge ACK, the connection stays") {
    wire::TcpRepr r = s.peer.make(TH_RST);
    r.seq = nxt + 100;
    s.peer.send(r);
    s.peer.expect({tc::flags(TH_ACK), tc::seq(s.iss + 1), tc::ack(nxt), tc::payload_len(0)});
    CHECK(tstat(s.h).challenge_acks == challenge0 + 1);
    CHECK(tstate(*s.srv) == TcpState::ESTABLISHED);
    CHECK(s.srv->so_error == 0);
  }
  SUBCASE("exactly RCV.NXT: the connection is reset") {
    s.peer.send(TH_RST);
    CHECK(s.peer.expect_silence(1s));
    CHECK(s.srv->so_error == ECONNRESET);
    CHECK(tstate(*s.srv) == TcpState::CLOSED);
  }
}

TEST_CASE("tcp scripted: a SYN in ESTABLISHED gets a challenge ACK (RFC 5961 §4.2)") {
  Scripted s;
  s.establish();
  wire::TcpRepr syn = s.peer.make(TH_SYN);
  syn.seq = s.peer.snd_nxt + 5;
  s.peer.send(syn);
  s.peer.expect({tc::flags(TH_ACK), tc::seq(s.iss + 1), tc::ack(1001)});
  CHECK(tstate(*s.srv) == TcpState::ESTABLISHED);
}

TEST_CASE("tcp scripted: out-of-order data gets a duplicate ACK with its SACK block (RFC 2018 §4)") {
  Scripted s;
  s.establish();
  const uint32_t base = s.peer.snd_nxt;  // 1001
  wire::TcpRepr later = s.peer.make(TH_ACK | TH_PUSH);
  later.seq = base + 100;
  s.peer.send(later, Pkt(100, std::byte('b')));
  s.peer.expect({tc::flags(TH_ACK), tc::ack(base), tc::sack({{base + 100, base + 200}}), tc::ts(),
                 tc::payload_len(0)});
  // A second island: both blocks, the newest first (RFC 2018 §4).
  later.seq = base + 300;
  s.peer.send(later, Pkt(50, std::byte('d')));
  s.peer.expect({tc::flags(TH_ACK), tc::ack(base), tc::sack({{base + 300, base + 350}, {base + 100, base + 200}})});
  // Filling the first hole: the ACK moves to the second hole at once, the
  // remaining island still reported.
  s.peer.send(TH_ACK | TH_PUSH, Pkt(100, std::byte('a')));
  s.peer.expect({tc::flags(TH_ACK), tc::ack(base + 200), tc::sack({{base + 300, base + 350}})});
  CHECK(tcp_read(*s.srv).size() == 200);
}

TEST_CASE("tcp scripted: a segment with a bad checksum is dropped without a word") {
  Scripted s;
  s.establish();
  const uint64_t bad0 = tstat(s.h).rcvbadsum;
  TcpSegSpec spec;
  spec.tcp = s.peer.make(TH_ACK | TH_PUSH);
  spec.payload = bytes_of("data");
  spec.bad_cksum = true;
  s.peer.inject(tcp_build(spec));
  CHECK(s.peer.expect_silence(1s));
  CHECK(tstat(s.h).rcvbadsum == bad0 + 1);
  CHECK(tcp_read(*s.srv).empty());
}

TEST_CASE("tcp scripted: the peer's FIN is acknowledged, the stack's close then sends its own FIN (§3.10.4)") {
  Scripted s;
  s.establish();
  s.peer.send(TH_FIN | TH_ACK);
  s.peer.expect({tc::flags(TH_ACK), tc::ack(1002)}, true);
  CHECK(tstate(*s.srv) == TcpState::CLOSE_WAIT);
  soclose(*s.srv);
  s.srv = nullptr;
  s.peer.expect({tc::flags(TH_FIN | TH_ACK), tc::seq(s.iss + 1), tc::ack(1002)});
  s.peer.send(TH_ACK);
  CHECK(s.peer.expect_silence(5s));
}

TEST_CASE("tcp scripted: an unanswered SYN-ACK is resent after 1, 2, 4, 8, 16 s (Linux tcp_synack_retries 5)") {
  Scripted s;
  s.peer.send_syn(1000);
  auto first = s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)}, false);
  REQUIRE(first);
  const Time t0 = s.h.st.now();
  s.peer.advance(60s);
  Time expected = t0;
  Time gap = 1s;
  for (int i = 0; i < 5; ++i, gap *= 2) {
    expected += gap;
    auto e = s.peer.take();
    REQUIRE(e);
    CAPTURE(i);
    CHECK(e->at == expected);
    auto seg = tcp_seg_parse(e->pkt);
    REQUIRE(seg);
    CHECK(tcp_check(*seg, {tc::flags(TH_SYN | TH_ACK), tc::seq(first->tcp.seq), tc::ack(1001)}) == "");
  }
  CHECK(!s.peer.take());
}

TEST_CASE("tcp scripted: unacceptable segments in ESTABLISHED are answered by an ACK and dropped (§3.10.7.4)") {
  Scripted s;
  s.establish();
  const uint32_t nxt = s.peer.snd_nxt;
  SUBCASE("data wholly beyond the window") {
    wire::TcpRepr t = s.peer.make(TH_ACK | TH_PUSH);
    t.seq = nxt + (1u << 24);
    s.peer.send(t, bytes_of("far"));
    s.peer.expect({tc::flags(TH_ACK), tc::seq(s.iss + 1), tc::ack(nxt), tc::payload_len(0)});
  }
  SUBCASE("old duplicate data") {
    s.peer.send(TH_ACK | TH_PUSH, bytes_of("0123456789"));
    s.peer.advance(1s);
    while (s.peer.take()) {
    }
    wire::TcpRepr t = s.peer.make(TH_ACK | TH_PUSH);
    t.seq = nxt;
    s.peer.send(t, bytes_of("0123456789"));
    auto dup = s.peer.expect({tc::flags(TH_ACK), tc::ack(nxt + 10), tc::payload_len(0)});
    REQUIRE(dup);
    MESSAGE("duplicate data answered by: " << dup->line);  // Linux adds a D-SACK block (RFC 2883)
    CHECK(tcp_read(*s.srv) == "0123456789");
  }
  SUBCASE("an ACK of data never sent") {
    wire::TcpRepr t = s.peer.make(TH_ACK | TH_PUSH);
    t.ack = s.iss + 1 + 5000;
    s.peer.send(t, bytes_of("x"));
    s.peer.expect({tc::flags(TH_ACK), tc::seq(s.iss + 1), tc::ack(nxt), tc::payload_len(0)});
    CHECK(tcp_read(*s.srv).empty());
  }
  SUBCASE("PAWS: an older timestamp (RFC 7323 §5.3)") {
    s.peer.ts_val = 100;
    s.peer.send(TH_ACK | TH_PUSH, bytes_of("new"));
    s.peer.advance(1s);
    while (s.peer.take()) {
    }
    s.peer.ts_val = 50;
    const uint64_t paws0 = tstat(s.h).pawsdrop;
    s.peer.send(TH_ACK | TH_PUSH, bytes_of("old"));
    CHECK(tstat(s.h).pawsdrop == paws0 + 1);
    s.peer.expect({tc::flags(TH_ACK), tc::ack(nxt + 3), tc::payload_len(0)});
    CHECK(tcp_read(*s.srv) == "new");
  }
  CHECK(tstate(*s.srv) == TcpState::ESTABLISHED);
}

TEST_CASE("tcp scripted: TIME-WAIT re-acknowledges a retransmitted FIN and ends after 60 s (§3.10.7.4)") {
  Scripted s;
  s.establish();
  soclose(*s.srv);  // active close
  s.srv = nullptr;
  s.peer.expect({tc::flags(TH_FIN | TH_ACK), tc::seq(s.iss + 1), tc::ack(1001)});
  s.peer.send(TH_FIN | TH_ACK);  // acknowledges the FIN and sends ours
  s.peer.expect({tc::flags(TH_ACK), tc::seq(s.iss + 2), tc::ack(1002)});
  s.peer.advance(30s);
  CHECK(s.peer.pending() == 0);
  // Our FIN again, as if the ACK was lost: acknowledged once more.
  wire::TcpRepr fin = s.peer.make(TH_FIN | TH_ACK);
  fin.seq = 1001;
  s.peer.send(fin);
  s.peer.expect({tc::flags(TH_ACK), tc::seq(s.iss + 2), tc::ack(1002)});
  // 60 s after that, the connection is gone: a segment on it is answered
  // as on a closed port.
  s.peer.advance(61s);
  CHECK(s.peer.pending() == 0);
  s.peer.send(TH_ACK, bytes_of("late"));
  s.peer.expect({tc::flags(TH_RST), tc::seq(s.iss + 2)});
}
