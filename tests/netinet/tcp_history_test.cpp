// Per-connection history (tcp_history.hpp) on the in-memory link and the
// virtual clock: one connection through its handshake, a loss repaired by
// fast retransmit, a timeout with backoff, a zero window and the close; the
// ring holds those events in order with their causes (slow start's end and
// the restart after idle among the cwnd reasons), a sink sees each as
// it is recorded, resets name their RFC 9293 rule, and the ring bounds itself.
#include <sys/socket.h>

#include <vector>

#include "netinet/tcp_history.hpp"
#include "netinet/tcp_pair.hpp"
#include "support/tcp_peer.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

namespace {

// The sink the daemon's logger stands for: keeps what it was shown.
struct RecordingSink : TcpHistorySink {
  std::vector<std::pair<const TcpCb*, TcpHistEvent>> seen;
  void tcp_event(const TcpCb& tp, const TcpHistEvent& e) override { seen.emplace_back(&tp, e); }
};

// Index of the first event at or after from that pred accepts; -1 if none.
template <class Pred>
long find_from(const TcpHistory& h, long from, Pred pred) {
  for (size_t i = size_t(std::max(from, 0L)); i < h.size(); ++i)
    if (pred(h.at(i))) return long(i);
  return -1;
}

auto is_state(TcpState from, TcpState to) {
  return [=](const TcpHistEvent& e) {
    return e.kind == TcpHistKind::kState && e.a == uint8_t(from) && e.b == uint8_t(to);
  };
}
auto is_rexmit(TcpRxtCause c) {
  return [=](const TcpHistEvent& e) { return e.kind == TcpHistKind::kRetransmit && e.a == uint8_t(c); };
}
auto is_cwnd(TcpCwndReason r) {
  return [=](const TcpHistEvent& e) { return e.kind == TcpHistKind::kCwnd && e.a == uint8_t(r); };
}
auto is_kind(TcpHistKind k) {
  return [=](const TcpHistEvent& e) { return e.kind == k; };
}
auto is_zero(bool ours, bool entered) {
  return [=](const TcpHistEvent& e) {
    return e.kind == TcpHistKind::kZeroWindow && e.a == uint8_t(ours) && e.b == uint8_t(entered);
  };
}
auto is_rst(TcpHistKind k, TcpRstRule r) {
  return [=](const TcpHistEvent& e) { return e.kind == k && e.a == uint8_t(r); };
}

// Write n bytes from the client, running the pair until the server has
// them all (reading them when drain); returns whether it did in limit.
bool transfer(TcpPair& p, Conn& c, size_t n, bool drain, Time limit = 30s) {
  size_t sent = 0, got = 0;
  const Pkt chunk(16384, std::byte{7});
  return p.run_until(
      [&] {
        while (sent < n) {
          const size_t k = tcp_write(*c.cli, Pkt(chunk.begin(), chunk.begin() + long(std::min(chunk.size(), n - sent))));
          if (!k) break;
          sent += k;
        }
        if (drain) got += tcp_read(*c.srv).size();
        return sent == n && (drain ? got == n : c.srv->so_rcv.sb_cc == n);
      },
      limit);
}

void set_linger0(Socket& so) {
  linger l{1, 0};
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = SOL_SOCKET;
  s.sopt_name = SO_LINGER;
  s.sopt_val = &l;
  s.sopt_valsize = sizeof l;
  REQUIRE(sosetopt(so, s) == 0);
}

}  // namespace

TEST_CASE("tcp history: handshake, fast retransmit, RTO with backoff, zero window and close, in order") {
  MemLinkParams lp;
  lp.delay = 5ms;
  TcpPair p(lp);
  RecordingSink sink;
  tcp_globals(inet(p.a)).hist_sink = &sink;
  Conn c = tcp_connect_pair(p);
  TcpCb& cli = *tcb(*c.cli);
  TcpCb& srv = *tcb(*c.srv);
  const uint32_t mss = cli.t_maxseg;

  // 1. Handshake: CLOSED -> SYN-SENT -> ESTABLISHED, the initial window.
  const TcpHistory& h = cli.t_hist;
  long i = find_from(h, 0, is_state(TcpState::CLOSED, TcpState::SYN_SENT));
  REQUIRE(i >= 0);
  i = find_from(h, i, is_cwnd(TcpCwndReason::kInit));
  REQUIRE(i >= 0);
  CHECK(h.at(size_t(i)).v[0] == kTcpInitCwnd * mss);
  i = find_from(h, i, is_state(TcpState::SYN_SENT, TcpState::ESTABLISHED));
  REQUIRE(i >= 0);
  CHECK(find_from(srv.t_hist, 0, is_state(TcpState::SYN_RECEIVED, TcpState::ESTABLISHED)) >= 0);

  // 2. One segment lost, eight behind it: SACKed duplicate ACKs, fast
  //    retransmit of exactly that segment, recovery ends with a full ACK.
  const uint32_t lost_seq = cli.snd_max.v;
  p.link.params().loss = 1.0;
  REQUIRE(tcp_write(*c.cli, Pkt(mss, std::byte{1})) == mss);
  p.link.params().loss = 0;
  REQUIRE(tcp_write(*c.cli, Pkt(8 * mss, std::byte{2})) == 8 * mss);
  REQUIRE(p.run_until([&] { return cli.snd_una == cli.snd_max; }, 10s));
  CHECK(tcp_read(*c.srv).size() == 9 * mss);
  const long sack = find_from(h, i, is_kind(TcpHistKind::kSackRcvd));
  REQUIRE(sack >= 0);
  CHECK(h.at(size_t(sack)).v[0] == lost_seq + mss);  // the block starts after the hole
  const long fr = find_from(h, sack, is_rexmit(TcpRxtCause::kFastRetransmit));
  REQUIRE(fr >= 0);
  CHECK(h.at(size_t(fr)).v[0] == lost_seq);
  CHECK(h.at(size_t(fr)).v[1] == mss);
  const long loss = find_from(h, fr, is_cwnd(TcpCwndReason::kFastRetransmit));
  REQUIRE(loss >= 0);
  CHECK(h.at(size_t(loss)).v[1] == cli.snd_ssthresh);
  const long exit = find_from(h, loss, is_cwnd(TcpCwndReason::kRecoveryExit));
  REQUIRE(exit >= 0);
  CHECK(find_from(srv.t_hist, 0, is_kind(TcpHistKind::kSackSent)) >= 0);
  CHECK(find_from(h, 0, is_rexmit(TcpRxtCause::kRto)) < 0);  // no timeout so far

  // 3. Everything lost for a while: the RTO fires with backoff 1, 2, 3,
  //    each doubling the timeout, the first collapses cwnd to one segment.
  p.link.params().loss = 1.0;
  REQUIRE(tcp_write(*c.cli, Pkt(mss, std::byte{3})) == mss);
  p.run_for(3s);
  p.link.params().loss = 0;
  REQUIRE(p.run_until([&] { return cli.snd_una == cli.snd_max; }, 30s));
  long rto = find_from(h, exit, is_kind(TcpHistKind::kRto));
  REQUIRE(rto >= 0);
  CHECK(h.at(size_t(rto)).v[1] == 1);
  const long rto2 = find_from(h, rto + 1, is_kind(TcpHistKind::kRto));
  REQUIRE(rto2 >= 0);
  CHECK(h.at(size_t(rto2)).v[1] == 2);
  CHECK(h.at(size_t(rto2)).v[2] == 2 * h.at(size_t(rto)).v[2]);  // backed-off timeout doubles
  CHECK(h.at(size_t(rto2)).t - h.at(size_t(rto)).t == std::chrono::microseconds(h.at(size_t(rto)).v[2]));
  const long rtoloss = find_from(h, rto, is_cwnd(TcpCwndReason::kRto));
  REQUIRE(rtoloss >= 0);
  CHECK(h.at(size_t(rtoloss)).v[0] == mss);
  CHECK(find_from(h, rto2, is_cwnd(TcpCwndReason::kRtoBackoff)) > rto2);
  const long rx = find_from(h, rto, is_rexmit(TcpRxtCause::kRto));
  REQUIRE(rx >= 0);
  CHECK(rx < rto2);
  CHECK(find_from(h, rx + 1, is_rexmit(TcpRxtCause::kRto)) > rto2);  // once per timeout
  tcp_read(*c.srv);

  // 4. The server does not read: its window closes (ours entered), the
  //    client probes the peer's zero window; reading reopens it.
  REQUIRE(!transfer(p, c, 4u << 20, false, 5s));
  const long zin = find_from(h, rto2, is_zero(false, true));
  REQUIRE(zin >= 0);
  CHECK(find_from(srv.t_hist, 0, is_zero(true, true)) >= 0);
  const long probe = find_from(h, zin, is_kind(TcpHistKind::kProbe));
  REQUIRE(probe >= 0);
  CHECK(h.at(size_t(probe)).a == 0);
  // The probe carries the first byte beyond the window the zero closed at.
  CHECK(int32_t(h.at(size_t(probe)).v[0] - h.at(size_t(zin)).v[0]) >= 0);
  CHECK(int32_t(cli.snd_una.v - h.at(size_t(probe)).v[0]) >= 0);
  size_t got = 0;
  REQUIRE(p.run_until([&] {
    got += tcp_read(*c.srv).size();
    return cli.snd_una == cli.snd_max && c.cli->so_snd.sb_cc == 0;
  }, 60s));
  const long zout = find_from(h, probe, is_zero(false, false));
  REQUIRE(zout >= 0);
  CHECK(find_from(srv.t_hist, 0, is_zero(true, false)) >= 0);
  // The bulk data after the timeout took cwnd from one segment past ssthresh.
  const long ssend = find_from(h, rtoloss, is_cwnd(TcpCwndReason::kSlowStartEnd));
  REQUIRE(ssend >= 0);
  CHECK(h.at(size_t(ssend)).v[0] >= h.at(size_t(ssend)).v[1]);

  // Idle for longer than the RTO, then a write: cwnd restarts at the initial window.
  p.run_for(3s);
  REQUIRE(cli.snd_cwnd > kTcpInitCwnd * mss);
  REQUIRE(tcp_write(*c.cli, Pkt(100, std::byte{4})) == 100);
  const long idle = find_from(h, zout, is_cwnd(TcpCwndReason::kIdleRestart));
  REQUIRE(idle >= 0);
  CHECK(h.at(size_t(idle)).v[0] == kTcpInitCwnd * mss);
  p.run_for(1s);
  tcp_read(*c.srv);

  // 5. Close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT; the ring stays with it.
  soshutdown(*c.cli, SHUT_WR);
  p.run_for(1s);
  soclose(*c.srv);
  p.run_for(1s);
  const long fw1 = find_from(h, zout, is_state(TcpState::ESTABLISHED, TcpState::FIN_WAIT_1));
  REQUIRE(fw1 >= 0);
  const long tw = find_from(h, fw1, is_state(TcpState::FIN_WAIT_2, TcpState::TIME_WAIT));
  REQUIRE(tw >= 0);
  CHECK(cli.t_state == TcpState::TIME_WAIT);

  // The sink saw every client event the ring kept, in the same order.
  std::vector<TcpHistEvent> mine;
  for (auto& [tp, e] : sink.seen)
    if (tp == &cli) mine.push_back(e);
  REQUIRE(mine.size() == h.total);
  for (size_t k = 0; k < h.size(); ++k) {
    const TcpHistEvent& e = mine[mine.size() - h.size() + k];
    CHECK(e.kind == h.at(k).kind);
    CHECK(e.t == h.at(k).t);
  }
  tcp_globals(inet(p.a)).hist_sink = nullptr;
  soclose(*c.cli);
  soclose(*c.lis);
}

TEST_CASE("tcp history: resets name their rule (SO_LINGER 0 abort sent, reset accepted)") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  TcpCb& cli = *tcb(*c.cli);
  set_linger0(*c.srv);
  // The server's control block goes with the close: keep its socket's last
  // events through the sink.
  RecordingSink sink;
  tcp_globals(inet(p.b)).hist_sink = &sink;
  soclose(*c.srv);
  p.run_for(1s);
  bool abort_seen = false;
  for (auto& [tp, e] : sink.seen)
    abort_seen |= e.kind == TcpHistKind::kRstSent && e.a == uint8_t(TcpRstRule::kAbort);
  CHECK(abort_seen);
  CHECK(find_from(cli.t_hist, 0, is_rst(TcpHistKind::kRstRcvd, TcpRstRule::kRcvdAccepted)) >= 0);
  CHECK(find_from(cli.t_hist, 0, is_state(TcpState::ESTABLISHED, TcpState::CLOSED)) >= 0);
  CHECK(tcp_hist_describe(cli.t_hist.at(cli.t_hist.size() - 1), cli.iss.v, cli.irs.v) ==
        "state ESTABLISHED -> CLOSED");

  tcp_globals(inet(p.b)).hist_sink = nullptr;
  soclose(*c.cli);
  soclose(*c.lis);
}

TEST_CASE("tcp history: closing with unread data resets by §3.10.4 and the description says so") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  REQUIRE(tcp_send_str(*c.cli, "unread") == 0);
  p.run_for(1s);
  RecordingSink sink;
  tcp_globals(inet(p.b)).hist_sink = &sink;
  soclose(*c.srv);
  p.run_for(1s);
  const TcpHistEvent* rst = nullptr;
  for (auto& [tp, e] : sink.seen)
    if (e.kind == TcpHistKind::kRstSent) rst = &e;
  REQUIRE(rst);
  CHECK(rst->a == uint8_t(TcpRstRule::kAbortUnread));
  const std::string line = tcp_hist_describe(*rst, 0, 0);
  CHECK(line.find("§3.10.4") != std::string::npos);
  tcp_globals(inet(p.b)).hist_sink = nullptr;
  soclose(*c.cli);
  soclose(*c.lis);
}

TEST_CASE("tcp history: the ring keeps the last 256 events, oldest first") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  TcpCb& tp = *tcb(*c.cli);
  const uint64_t before = tp.t_hist.total;
  for (uint32_t k = 0; k < 300; ++k) tcp_hist_probe(tp, true, k);
  const TcpHistory& h = tp.t_hist;
  CHECK(h.total == before + 300);
  REQUIRE(h.size() == kTcpHistoryLen);
  CHECK(h.at(0).v[0] == 300 - kTcpHistoryLen);
  CHECK(h.at(kTcpHistoryLen - 1).v[0] == 299);
  for (size_t k = 1; k < h.size(); ++k) CHECK(h.at(k).v[0] == h.at(k - 1).v[0] + 1);
  // A connection's ring is its own: the server's is untouched.
  CHECK(tcb(*c.srv)->t_hist.size() < kTcpHistoryLen);
  for (Socket* s : {c.cli, c.srv, c.lis}) soclose(*s);
}

TEST_CASE("tcp history: a SYN that goes unanswered is retried with backoff, cause syn-retry") {
  TcpPair p;
  p.link.params().loss = 1.0;
  Socket* l = tcp_listener(p.b, 80);
  Socket* cli = tcp_socket(p.a);
  REQUIRE(soconnect(*cli, sin(kB, 80), Td{}) == 0);
  p.run_for(3500ms);  // SYN at 0, retries at 1 s and 3 s (RFC 6298 §5.7: 1 s initial RTO)
  p.link.params().loss = 0;
  REQUIRE(p.run_until([&] { return tstate(*cli) == TcpState::ESTABLISHED; }, 10s));
  const TcpHistory& h = tcb(*cli)->t_hist;
  std::vector<std::pair<Time, uint32_t>> rtos, retries;
  for (size_t i = 0; i < h.size(); ++i) {
    const TcpHistEvent& e = h.at(i);
    if (e.kind == TcpHistKind::kRto) rtos.emplace_back(e.t - h.start, e.v[1]);
    if (e.kind == TcpHistKind::kRetransmit) {
      CHECK(e.a == uint8_t(TcpRxtCause::kSynRetry));
      CHECK((e.b & tw::TH_SYN));
      CHECK(e.v[0] == tcb(*cli)->iss.v);
      retries.emplace_back(e.t - h.start, e.v[2]);
    }
  }
  REQUIRE(rtos.size() >= 2);
  CHECK(rtos[0].first == 1s);
  CHECK(rtos[0].second == 1);
  CHECK(rtos[1].first == 3s);
  CHECK(rtos[1].second == 2);
  REQUIRE(retries.size() == rtos.size());
  CHECK(retries[0].first == 1s);
  CHECK(find_from(h, 0, is_state(TcpState::SYN_SENT, TcpState::ESTABLISHED)) > 0);
  soclose(*cli);
  soclose(*l);
}

TEST_CASE("tcp history: an ACK to a listener is reset by §3.10.7.2, in the listener's history") {
  Host host;
  Socket* l = mksock(host.st, SOCK_STREAM, 0);
  REQUIRE(sobind(*l, sin(0, 80), Td{}) == 0);
  REQUIRE(solisten(*l, 4, Td{}) == 0);
  TcpPeer peer(host, 40000, 80);
  peer.rcv_nxt = 5555;
  peer.send(tw::TH_ACK);
  REQUIRE(peer.expect({tc::flags(tw::TH_RST), tc::seq(5555)}));
  const TcpHistory& h = tcb(*l)->t_hist;
  const long i = find_from(h, 0, is_rst(TcpHistKind::kRstSent, TcpRstRule::kListenAck));
  REQUIRE(i >= 0);
  CHECK(h.at(size_t(i)).v[0] == 5555);
  CHECK(tcp_hist_describe(h.at(size_t(i)), 0, 0).find("§3.10.7.2") != std::string::npos);
  soclose(*l);
}
