// Congestion control on virtual time: CUBIC's window after a loss follows
// W_cubic(t) = C (t - K)^3 + W_max (RFC 9438 §4.2), concave back up to the
// old maximum at t = K, then convex beyond it; fast convergence (§4.7);
// the Reno-friendly region (§4.3); a timeout starts over; Reno stays
// selectable by TCP_CONGESTION and an unknown name is ENOENT.
#include <netinet/tcp.h>

#include <cmath>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_pair.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kMss = 1448;

// An established connection whose client's congestion control the test
// drives by hand: RTT rtt (min_rtt as CUBIC reads it), cwnd in segments.
struct CcRig {
  TcpPair p;
  Conn c;
  TcpCb* tp = nullptr;
  explicit CcRig(const char* algo) {
    c = tcp_connect_pair(p);
    tp = tcb(*c.cli);
    REQUIRE(set_cc(algo) == 0);
    tp->t_maxseg = kMss;
  }
  ~CcRig() {
    for (Socket* s : {c.cli, c.srv, c.lis}) soclose(*s);
  }
  int set_cc(const char* name) {
    Sockopt s;
    s.sopt_dir = SOPT_SET;
    s.sopt_level = IPPROTO_TCP;
    s.sopt_name = TCP_CONGESTION;
    s.sopt_val = const_cast<char*>(name);
    s.sopt_valsize = std::strlen(name);
    return sosetopt(*c.cli, s);
  }
  std::string cc_name() {
    char name[16] = {};
    Sockopt s;
    s.sopt_dir = SOPT_GET;
    s.sopt_level = IPPROTO_TCP;
    s.sopt_name = TCP_CONGESTION;
    s.sopt_val = name;
    s.sopt_valsize = sizeof name;
    REQUIRE(sogetopt(*c.cli, s) == 0);
    return name;
  }
  double cwnd() const { return double(tp->snd_cwnd) / kMss; }
  // One round trip: the clock moves by rtt, then a whole window is
  // acknowledged, one ACK per segment.
  void round(Time rtt) {
    p.run_for(rtt);
    const uint32_t n = tp->snd_cwnd / kMss;
    for (uint32_t i = 0; i < n; ++i) tp->t_cc->cc_ack_received(*tp, kMss);
  }
  // Congestion avoidance at w segments after a loss there (three dupacks).
  void lose_at(double w) {
    tp->snd_cwnd = uint32_t(w) * kMss;
    tp->snd_ssthresh = 0x7fffffff;
    tp->t_cc->cc_cong_signal(*tp, CcSignal::kDupAck);
    tp->snd_cwnd = tp->snd_ssthresh;  // as after recovery
  }
};

double w_cubic(double t, double w_max, double k) { return 0.4 * (t - k) * (t - k) * (t - k) + w_max; }

}  // namespace

TEST_CASE("tcp cc: cubic is the default, reno selectable, an unknown name ENOENT and the old one kept") {
  CcRig r("cubic");
  CHECK(r.cc_name() == "cubic");
  CHECK(r.set_cc("reno") == 0);
  CHECK(r.cc_name() == "reno");
  CHECK(r.set_cc("vegas") == ENOENT);
  CHECK(r.cc_name() == "reno");
  Socket* fresh = tcp_socket(r.p.a);
  CHECK(tcb(*fresh)->t_cc == tcp_cc_default());
  CHECK(std::string(tcp_cc_default()->name) == "cubic");
  soclose(*fresh);
}

TEST_CASE("tcp cc: CUBIC after a loss at 1000 segments: beta 0.7, back at W_max at t = K, convex beyond (RFC 9438 §4.2)") {
  CcRig r("cubic");
  r.tp->t_min_rtt = 100ms;
  r.lose_at(1000);
  CHECK(r.cwnd() == 700);  // beta_cubic
  CHECK(r.tp->snd_ssthresh == 700 * kMss);
  const double k = std::cbrt(1000 * 0.3 / 0.4);  // 9.086 s: 91 RTTs
  // Every 100 ms a window is acknowledged; the window tracks W_cubic(t + RTT),
  // far above the Reno-friendly estimate (700 + 0.53 per RTT) here.
  double est = 700, at_half = 0, at_k = 0, at_2k = 0;
  for (int i = 1; i <= 182; ++i) {
    r.round(100ms);
    est += est >= 1000 ? 1.0 : 0.53;
    const double t = i * 0.1;
    if (i == 45) at_half = r.cwnd();
    if (i == 91) at_k = r.cwnd();
    if (i == 182) at_2k = r.cwnd();
    CHECK(r.cwnd() <= std::max(w_cubic(t + 0.1, 1000, k), est) + 1.5);
  }
  // Concave: most of the way back by K/2 (W_cubic(4.6) = 963.9).
  CHECK(at_half > 955);
  CHECK(at_half < 975);
  // The plateau around W_max at K.
  CHECK(at_k >= 998);
  CHECK(at_k <= 1002);
  // Convex beyond: W_cubic(18.3) = 1301.
  CHECK(at_2k > 1280);
  CHECK(at_2k < 1305);
}

TEST_CASE("tcp cc: CUBIC fast convergence: a second loss below W_max lowers the plateau to W (1 + beta) / 2 (§4.7)") {
  CcRig r("cubic");
  r.tp->t_min_rtt = 100ms;
  r.lose_at(1000);
  r.lose_at(800);  // lost again before getting back to 1000
  CHECK(r.cwnd() == 560);
  // The plateau is 800 * 0.85 = 680: K = cbrt((680 - 560) / 0.4) = 6.69 s.
  for (int i = 0; i < 67; ++i) r.round(100ms);
  CHECK(r.cwnd() >= 678);
  CHECK(r.cwnd() <= 682);
}

TEST_CASE("tcp cc: CUBIC's Reno-friendly region: with a 1 ms RTT the window grows as AIMD(alpha_cubic) would (§4.3)") {
  CcRig r("cubic");
  r.tp->t_min_rtt = 1ms;
  r.lose_at(100);
  // W_cubic hardly moves in 0.3 s; W_est grows by alpha_cubic = 0.53 per
  // RTT until it reaches the window before the loss, then by 1 (as Reno).
  double est = 70;
  for (int i = 0; i < 300; ++i) {
    r.round(1ms);
    est += est >= 100 ? 1.0 : 0.53;
  }
  CHECK(w_cubic(0.3 + 0.001, 100, std::cbrt(75.0)) < 77);
  CHECK(r.cwnd() > est - 3);
  CHECK(r.cwnd() < est + 3);
}

TEST_CASE("tcp cc: CUBIC on a timeout: one segment, ssthresh 0.7 cwnd, slow start, then a fresh curve") {
  CcRig r("cubic");
  r.tp->t_min_rtt = 100ms;
  r.tp->snd_cwnd = 100 * kMss;
  r.tp->t_cc->cc_cong_signal(*r.tp, CcSignal::kRto);
  CHECK(r.cwnd() == 1);
  CHECK(r.tp->snd_ssthresh == 70 * kMss);
  r.round(100ms);
  CHECK(r.cwnd() == 2);  // slow start doubles
  for (int i = 0; i < 6; ++i) r.round(100ms);
  CHECK(r.cwnd() >= 70);  // at ssthresh: congestion avoidance from a plateau of its own (K = 0)
  CHECK(r.cwnd() < 75);
}

TEST_CASE("tcp cc: Reno grows one segment per RTT in congestion avoidance and halves on loss") {
  CcRig r("reno");
  r.tp->snd_cwnd = 100 * kMss;
  r.tp->snd_ssthresh = 0x7fffffff;
  // FlightSize / 2 (RFC 5681 (4)): nothing in flight here, so 2 segments at least.
  r.tp->t_cc->cc_cong_signal(*r.tp, CcSignal::kDupAck);
  CHECK(r.tp->snd_ssthresh == 2 * kMss);
  r.tp->snd_cwnd = 50 * kMss;
  r.tp->snd_ssthresh = 50 * kMss;
  for (int i = 0; i < 10; ++i) r.round(100ms);
  CHECK(r.cwnd() == 60);
}

TEST_CASE("tcp cc: two stacks, 4 MB with 1 % loss on CUBIC and on Reno: byte-exact, both recover") {
  for (const char* algo : {"cubic", "reno"}) {
    CAPTURE(algo);
    MemLinkParams lp;
    lp.loss = 0.01;
    lp.delay = 5ms;
    lp.seed = 7;
    TcpPair p(lp);
    Conn c = tcp_connect_pair(p);
    Sockopt s;
    s.sopt_dir = SOPT_SET;
    s.sopt_level = IPPROTO_TCP;
    s.sopt_name = TCP_CONGESTION;
    s.sopt_val = const_cast<char*>(algo);
    s.sopt_valsize = std::strlen(algo);
    REQUIRE(sosetopt(*c.cli, s) == 0);
    constexpr size_t kTotal = 4 << 20;
    Pkt data(kTotal);
    for (size_t i = 0; i < kTotal; ++i) data[i] = pattern(i, 3);
    size_t sent = 0;
    std::string got;
    for (int i = 0; i < 200000 && got.size() < kTotal; ++i) {
      if (sent < kTotal) sent += tcp_write(*c.cli, Pkt(data.begin() + long(sent), data.end()));
      p.run_for(1ms);
      got += tcp_read(*c.srv);
    }
    REQUIRE(got.size() == kTotal);
    CHECK(std::memcmp(got.data(), data.data(), kTotal) == 0);
    CHECK(p.now() < 120s);
    CHECK(p.stat_a().sndrexmitpack > 0);
    for (Socket* x : {c.cli, c.srv, c.lis}) soclose(*x);
  }
}
