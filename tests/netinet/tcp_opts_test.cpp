// TCP socket options that change what the connection does, not only what
// getsockopt reads back: TCP_SYNCNT (SYN retries before ETIMEDOUT),
// TCP_WINDOW_CLAMP (the window and the window scale offered), TCP_LINGER2
// (how long an orphan stays in FIN-WAIT-2), each as Linux does, on virtual time.
#include <netinet/tcp.h>

#include "netinet/tcp_pair.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

TEST_CASE("tcp opts: TCP_SYNCNT 1 gives up after one SYN retry, 3 s (Linux tcp_write_timeout)") {
  MemLinkParams lp;
  lp.loss = 1.0;
  TcpPair p(lp);
  Socket* so = tcp_socket(p.a);
  int v = 0;
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_SYNCNT, 0) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_SYNCNT, 128) == EINVAL);
  REQUIRE(setopt_int(*so, IPPROTO_TCP, TCP_SYNCNT, 1) == 0);
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_SYNCNT, &v) == 0);
  CHECK(v == 1);
  REQUIRE(soconnect(*so, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return so->so_error != 0; }, 300s));
  CHECK(so->so_error == ETIMEDOUT);
  CHECK(p.now() >= 3s);  // SYN at 0, retry at 1 s, give up at 1 + 2 s
  CHECK(p.now() < 4s);
  CHECK(p.link.stats().sent == 2);
  soclose(*so);
}

TEST_CASE("tcp opts: TCP_WINDOW_CLAMP bounds the window offered and the window scale (Linux tcp_select_initial_window)") {
  TcpPair p;
  Socket* l = tcp_listener(p.b, 80);
  Socket* c = tcp_socket(p.a);
  int v = -1;
  CHECK(getopt_int(*c, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v) == 0);
  CHECK(v == 0);  // nothing until a connection sets it
  REQUIRE(setopt_int(*c, IPPROTO_TCP, TCP_WINDOW_CLAMP, 100) == 0);
  CHECK(getopt_int(*c, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v) == 0);
  CHECK(v == 1152);  // at least SOCK_MIN_RCVBUF / 2
  REQUIRE(setopt_int(*c, IPPROTO_TCP, TCP_WINDOW_CLAMP, 5000) == 0);
  REQUIRE(soconnect(*c, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (c->so_state & SS_ISCONNECTED) && !l->so_comp.empty(); }, 5s));
  Socket* s = accept_one(*l);
  REQUIRE(s);
  CHECK(tcb(*c)->rcv_scale == 0);  // ilog2(5000) - 15 < 0
  CHECK(getopt_int(*c, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v) == 0);
  CHECK(v == 5000);
  CHECK(setopt_int(*c, IPPROTO_TCP, TCP_WINDOW_CLAMP, 0) == EINVAL);  // only before connecting
  // The clamp bounds the window, not the buffer (Linux __tcp_select_window):
  // the server never has more than 5000 bytes in flight, and all arrive.
  REQUIRE(tcp_send_str(*s, std::string(12000, 'x')) == 0);
  p.run_for(2s);
  // Without window scaling the offer moves in whole MSS (Linux rounds down to rcv_mss).
  CHECK(tcb(*s)->max_sndwnd <= 5000);
  CHECK(tcb(*s)->max_sndwnd > 5000 - tcb(*c)->t_rcvmss);
  CHECK(tcp_read(*c).size() == 12000);
  // Without a clamp the same socket type offers its whole buffer.
  Socket* d = tcp_socket(p.a);
  REQUIRE(soconnect(*d, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (d->so_state & SS_ISCONNECTED) && !l->so_comp.empty(); }, 5s));
  Socket* t = accept_one(*l);
  REQUIRE(t);
  CHECK(tcb(*d)->rcv_scale > 0);
  CHECK(getopt_int(*d, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v) == 0);
  CHECK(v == int(d->so_rcv.sb_hiwat / 2));
  for (Socket* x : {c, s, d, t, l}) soclose(*x);
}

namespace {

// A connection whose client shuts down writing, the server's ACK taking it
// to FIN-WAIT-2, then closes: an orphan in FIN-WAIT-2 the server never ends.
struct FinWait2 {
  TcpPair p;
  Conn c;
  explicit FinWait2(int linger2) {
    c = tcp_connect_pair(p);
    if (linger2) REQUIRE(setopt_int(*c.cli, IPPROTO_TCP, TCP_LINGER2, linger2) == 0);
    REQUIRE(soshutdown(*c.cli, SHUT_WR) == 0);
    p.run_for(1s);
    REQUIRE(tstate(*c.cli) == TcpState::FIN_WAIT_2);
    soclose(*c.cli);
  }
  size_t conns() { return tcp_globals(inet(p.a)).conn.size(); }
  ~FinWait2() {
    soclose(*c.srv);
    soclose(*c.lis);
  }
};

}  // namespace

TEST_CASE("tcp opts: TCP_LINGER2 sets how long a closed socket stays in FIN-WAIT-2") {
  int v = 0;
  {
    TcpPair p;
    Socket* so = tcp_socket(p.a);
    CHECK(getopt_int(*so, IPPROTO_TCP, TCP_LINGER2, &v) == 0);
    CHECK(v == 60);  // tcp_fin_timeout
    REQUIRE(setopt_int(*so, IPPROTO_TCP, TCP_LINGER2, 500) == 0);
    CHECK(getopt_int(*so, IPPROTO_TCP, TCP_LINGER2, &v) == 0);
    CHECK(v == 120);  // TCP_FIN_TIMEOUT_MAX
    REQUIRE(setopt_int(*so, IPPROTO_TCP, TCP_LINGER2, -5) == 0);
    CHECK(getopt_int(*so, IPPROTO_TCP, TCP_LINGER2, &v) == 0);
    CHECK(v == -1);
    REQUIRE(setopt_int(*so, IPPROTO_TCP, TCP_LINGER2, 0) == 0);
    CHECK(getopt_int(*so, IPPROTO_TCP, TCP_LINGER2, &v) == 0);
    CHECK(v == 60);
    soclose(*so);
  }
  SUBCASE("default: 60 s") {
    FinWait2 f(0);
    f.p.run_for(58s);
    CHECK(f.conns() == 1);
    f.p.run_for(2s);
    CHECK(f.conns() == 0);
  }
  SUBCASE("10 s") {
    FinWait2 f(10);
    f.p.run_for(8s);
    CHECK(f.conns() == 1);
    f.p.run_for(2s);
    CHECK(f.conns() == 0);
  }
  SUBCASE("negative: the close resets at once") {
    FinWait2 f(-1);
    CHECK(f.conns() == 0);
    f.p.run_for(1s);
    CHECK(f.c.srv->so_error == EPIPE);  // Linux tcp_reset in CLOSE-WAIT
  }
}

TEST_CASE("tcp bind: broadcast and multicast addresses are valid, a foreign one is not, checked before 'already bound'") {
  TcpPair p;
  Socket* s = tcp_socket(p.a);
  CHECK(sobind(*s, sin(0xc6120077, 7100), Td{}) == EADDRNOTAVAIL);  // 198.18.0.119: not ours
  CHECK(sobind(*s, sin(0xc61200ff, 7100), Td{}) == 0);             // the subnet broadcast (Linux inet_bind)
  CHECK(sobind(*s, sin(0xe0000001, 7100), Td{}) == EINVAL);        // 224.0.0.1 is valid: already bound
  CHECK(sobind(*s, sin(0xc6120077, 7100), Td{}) == EADDRNOTAVAIL); // the address before the binding
  Socket* m = tcp_socket(p.a);
  CHECK(sobind(*m, sin(0xe0000001, 7101), Td{}) == 0);
  Socket* u = tcp_socket(p.a);
  Td user;
  user.cred.uid = 1000;
  CHECK(sobind(*u, sin(kA, 80), user) == EACCES);
  soclose(*s);
  soclose(*m);
  soclose(*u);
}

TEST_CASE("tcp connect: a listener is EISCONN before its address is looked at (Linux __inet_stream_connect)") {
  TcpPair p;
  Socket* l = tcp_listener(p.a, 7200);
  CHECK(soconnect(*l, sin(kB, 80), Td{}) == EISCONN);
  SockAddr bad;
  bad.len = sizeof(sockaddr_in);
  bad.ss.ss_family = AF_INET6;
  CHECK(soconnect(*l, bad, Td{}) == EISCONN);
  CHECK(tstate(*l) == TcpState::LISTEN);
  soclose(*l);
}

namespace {

// A client bound to port, connected to b:80, closed first: its side waits in
// TIME-WAIT. reuse: SO_REUSEADDR on the client; ts: timestamps offered.
Conn timewait_conn(TcpPair& p, uint16_t port, bool reuse, bool ts = true) {
  Conn c;
  c.lis = tcp_listener(p.b, 80);
  c.cli = tcp_socket(p.a);
  if (reuse) REQUIRE(setopt_int(*c.cli, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  if (!ts) tcb(*c.cli)->t_flags &= ~TF_REQ_TSTMP;
  REQUIRE(sobind(*c.cli, sin(kA, port), Td{}) == 0);
  REQUIRE(soconnect(*c.cli, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (c.cli->so_state & SS_ISCONNECTED) && !c.lis->so_comp.empty(); }, 5s));
  c.srv = accept_one(*c.lis);
  REQUIRE(c.srv);
  soclose(*c.cli);
  p.run_for(100ms);
  soclose(*c.srv);
  p.run_for(100ms);
  REQUIRE(tcp_globals(inet(p.a)).conn.size() == 1);
  REQUIRE(tcp_globals(inet(p.a)).conn.begin()->second->inp_tcpcb->t_state == TcpState::TIME_WAIT);
  return c;
}

}  // namespace

TEST_CASE("tcp bind: a port in TIME-WAIT needs SO_REUSEADDR on the socket that closed too (Linux inet_bind_conflict)") {
  TcpPair p;
  Conn c = timewait_conn(p, 20170, false);
  Socket* u = tcp_socket(p.a);
  REQUIRE(setopt_int(*u, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  CHECK(sobind(*u, sin(kA, 20170), Td{}) == EADDRINUSE);
  // Unbound, it connects from an ephemeral port.
  REQUIRE(soconnect(*u, sin(kB, 80), Td{}) == 0);
  CHECK(local_port(*u) != 20170);
  soclose(*u);
  soclose(*c.lis);
}

TEST_CASE("tcp connect: a bound port takes over its TIME-WAIT 4-tuple when timestamps were on (Linux tcp_twsk_unique)") {
  TcpPair p;
  Conn c = timewait_conn(p, 20172, true);
  const TcpSeq tw_nxt = tcp_globals(inet(p.a)).conn.begin()->second->inp_tcpcb->snd_nxt;
  Socket* t = tcp_socket(p.a);
  CHECK(sobind(*t, sin(kA, 20172), Td{}) == EADDRINUSE);  // without SO_REUSEADDR
  Socket* u = tcp_socket(p.a);
  REQUIRE(setopt_int(*u, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*u, sin(kA, 20172), Td{}) == 0);
  REQUIRE(soconnect(*u, sin(kB, 80), Td{}) == 0);
  CHECK(tcb(*u)->iss == tw_nxt + 65537);  // past the old sequence space
  CHECK(p.stat_a().timewait_reuse == 1);
  REQUIRE(p.run_until([&] { return (u->so_state & SS_ISCONNECTED) && !c.lis->so_comp.empty(); }, 5s));
  Socket* s = accept_one(*c.lis);
  REQUIRE(s);
  CHECK(local_port(*u) == 20172);
  for (Socket* x : {t, u, s, c.lis}) soclose(*x);
}

TEST_CASE("tcp connect: without timestamps the TIME-WAIT 4-tuple stays taken (EADDRNOTAVAIL)") {
  TcpPair p;
  Conn c = timewait_conn(p, 20173, true, false);
  Socket* u = tcp_socket(p.a);
  REQUIRE(setopt_int(*u, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*u, sin(kA, 20173), Td{}) == 0);
  CHECK(soconnect(*u, sin(kB, 80), Td{}) == EADDRNOTAVAIL);
  CHECK(p.stat_a().timewait_reuse == 0);
  soclose(*u);
  soclose(*c.lis);
}

TEST_CASE("tcp opts: TCP_INFO of a socket whose connection is in TIME-WAIT says CLOSE (Linux tcp_time_wait)") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  REQUIRE(soshutdown(*c.cli, SHUT_WR) == 0);
  soclose(*c.srv);
  p.run_for(1s);
  REQUIRE(tstate(*c.cli) == TcpState::TIME_WAIT);
  struct tcp_info ti{};
  REQUIRE(tcp_info_get(*c.cli, &ti) == 0);
  CHECK(int(ti.tcpi_state) == 7);  // TCP_CLOSE
  soclose(*c.cli);
  soclose(*c.lis);
}

TEST_CASE("tcp connect: an ephemeral port may take over TIME-WAIT only as tcp_tw_reuse says, a second after it began") {
  TcpPair p;
  Conn c = timewait_conn(p, 20174, true);
  Inet& in = inet(p.a);
  const InPcb& tw = *tcp_globals(in).conn.begin()->second;
  CHECK(tcp_tw_reusable(in, tw, false));  // a bound port: always (timestamps were on)
  p.a.sysctl().tcp_tw_reuse = 1;
  CHECK(!tcp_tw_reusable(in, tw, true));  // 200 ms into TIME-WAIT
  p.run_for(1s);
  CHECK(tcp_tw_reusable(in, tw, true));
  p.a.sysctl().tcp_tw_reuse = 2;           // Linux's default: loopback only
  CHECK(!tcp_tw_reusable(in, tw, true));
  p.a.sysctl().tcp_tw_reuse = 0;
  CHECK(!tcp_tw_reusable(in, tw, true));
  soclose(*c.lis);
  // Over the stack's loopback with tcp_tw_reuse 2.
  Stack st(5);
  Inet& lin = inet_attach(st);
  Socket* l = tcp_listener(st, 80);
  Socket* a = tcp_socket(st);
  REQUIRE(sobind(*a, sin(0x7f000001, 20175), Td{}) == 0);
  REQUIRE(soconnect(*a, sin(0x7f000001, 80), Td{}) == 0);
  for (int i = 0; i < 10; ++i) st.poll(st.now() + 1ms);
  Socket* b = accept_one(*l);
  REQUIRE(b);
  soclose(*a);
  for (int i = 0; i < 10; ++i) st.poll(st.now() + 1ms);
  soclose(*b);
  for (int i = 0; i < 10; ++i) st.poll(st.now() + 1ms);
  auto it = tcp_globals(lin).conn.find(TcpKey{0x7f000001, 0x7f000001, 20175, 80});
  REQUIRE(it != tcp_globals(lin).conn.end());
  REQUIRE(it->second->inp_tcpcb->t_state == TcpState::TIME_WAIT);
  CHECK(!tcp_tw_reusable(lin, *it->second, true));
  st.poll(st.now() + 1s);
  CHECK(tcp_tw_reusable(lin, *it->second, true));
  soclose(*l);
}

TEST_CASE("tcp opts: TCP_INFO of a listener: unacked is the accept queue, sacked the backlog (Linux tcp_get_info)") {
  TcpPair p;
  Socket* l = tcp_listener(p.b, 80, 5);
  struct tcp_info ti{};
  REQUIRE(tcp_info_get(*l, &ti) == 0);
  CHECK(int(ti.tcpi_state) == 10);  // TCP_LISTEN
  CHECK(ti.tcpi_unacked == 0);
  CHECK(ti.tcpi_sacked == 5);
  CHECK(ti.tcpi_snd_cwnd == 10);
  CHECK(ti.tcpi_reordering == 3);
  CHECK(ti.tcpi_rto == 0);  // nothing else is reported
  Socket* c1 = tcp_socket(p.a);
  Socket* c2 = tcp_socket(p.a);
  REQUIRE(soconnect(*c1, sin(kB, 80), Td{}) == 0);
  REQUIRE(soconnect(*c2, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return l->so_qlen == 2; }, 5s));
  REQUIRE(tcp_info_get(*l, &ti) == 0);
  CHECK(ti.tcpi_unacked == 2);
  CHECK(ti.tcpi_sacked == 5);
  for (Socket* x : {c1, c2, l}) soclose(*x);
}

TEST_CASE("tcp opts: TCP_INFO rcv_mss starts at 536 and follows full segments, advmss and bytes_acked as Linux") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  struct tcp_info ti{};
  REQUIRE(tcp_info_get(*c.srv, &ti) == 0);
  CHECK(ti.tcpi_rcv_mss == 536);
  CHECK(ti.tcpi_advmss == 1460);  // the passive side keeps the route's
  CHECK(tcb(*c.srv)->t_bytes_acked_total == 1);  // tcpi_bytes_acked: its SYN-ACK
  // Small writes leave the estimate alone.
  REQUIRE(tcp_send_str(*c.cli, "12345") == 0);
  p.run_for(1s);
  REQUIRE(tcp_info_get(*c.srv, &ti) == 0);
  CHECK(ti.tcpi_rcv_mss == 536);
  CHECK(tcp_read(*c.srv) == "12345");
  // A full segment sets it.
  REQUIRE(tcp_send_str(*c.cli, std::string(4000, 'y')) == 0);
  p.run_for(1s);
  REQUIRE(tcp_info_get(*c.srv, &ti) == 0);
  CHECK(ti.tcpi_rcv_mss == 1448);
  REQUIRE(tcp_info_get(*c.cli, &ti) == 0);
  CHECK(tcb(*c.cli)->t_bytes_acked_total == 4006);  // tcpi_bytes_acked: SYN + 5 + 4000
  for (Socket* x : {c.cli, c.srv, c.lis}) soclose(*x);
}

TEST_CASE("tcp opts: the estimate learns a smaller MSS from two equal segments without PSH (Linux tcp_measure_rcv_mss)") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  TcpCb& tp = *tcb(*c.srv);
  tp.t_rcvmss = 1448;
  tcp_measure_rcv_mss(tp, 1000, 32, tw::TH_ACK);
  CHECK(tp.t_rcvmss == 1448);  // once is not enough
  tcp_measure_rcv_mss(tp, 1000, 32, tw::TH_ACK | tw::TH_PUSH);
  CHECK(tp.t_rcvmss == 1000);  // big enough to count even with PSH, and equal to the last
  // Under 536 bytes only a segment without PSH counts.
  tp.t_rcvmss = 1448;
  tcp_measure_rcv_mss(tp, 100, 32, tw::TH_ACK);
  CHECK(tp.t_last_seg_size == 100);
  tcp_measure_rcv_mss(tp, 100, 32, tw::TH_ACK | tw::TH_PUSH);
  CHECK(tp.t_rcvmss == 1448);
  CHECK(tp.t_last_seg_size == 0);
  tcp_measure_rcv_mss(tp, 100, 32, tw::TH_ACK);
  tcp_measure_rcv_mss(tp, 100, 32, tw::TH_ACK);
  CHECK(tp.t_rcvmss == 100);
  for (Socket* x : {c.cli, c.srv, c.lis}) soclose(*x);
}

TEST_CASE("tcp opts: TCP_MAXSEG is bounded by half the peer's largest window, segments too (Linux tcp_bound_to_half_wnd)") {
  TcpPair p;
  Socket* l = tcp_listener(p.b, 80);
  Socket* c = tcp_socket(p.a);
  // The smallest clamp: the client offers 1152 bytes (SYN and after).
  REQUIRE(setopt_int(*c, IPPROTO_TCP, TCP_WINDOW_CLAMP, 1) == 0);
  REQUIRE(soconnect(*c, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (c->so_state & SS_ISCONNECTED) && !l->so_comp.empty(); }, 5s));
  Socket* s = accept_one(*l);
  REQUIRE(s);
  int v = 0;
  // The server saw at most 1152 (whole MSS of 536): half of it; the client saw the server's
  // 64 KB SYN-ACK window: the path's 1448 stands.
  const uint32_t wnd = tcb(*s)->max_sndwnd;
  CHECK(wnd <= 1152);
  CHECK(wnd > 1000);
  const int half = int(wnd / 2);
  CHECK(getopt_int(*s, IPPROTO_TCP, TCP_MAXSEG, &v) == 0);
  CHECK(v == half);
  CHECK(getopt_int(*c, IPPROTO_TCP, TCP_MAXSEG, &v) == 0);
  CHECK(v == 1448);
  // The server's segments carry at most that (the client's estimate of
  // them, tcpi_rcv_mss, learns it from full segments); everything arrives.
  REQUIRE(tcp_send_str(*s, std::string(5000, 'z')) == 0);
  std::string got;
  REQUIRE(p.run_until([&] { got += tcp_read(*c); return got.size() == 5000; }, 10s));
  struct tcp_info ti{};
  REQUIRE(tcp_info_get(*c, &ti) == 0);
  CHECK(ti.tcpi_rcv_mss == uint32_t(half));
  REQUIRE(tcp_info_get(*s, &ti) == 0);
  CHECK(ti.tcpi_snd_mss == uint32_t(half));
  for (Socket* x : {c, s, l}) soclose(*x);
}

TEST_CASE("tcp opts: over a 64 KB MTU TCP_MAXSEG reads half the 64 KB windows (loopback, both ends)") {
  Host h;
  Socket* l = tcp_listener(h.st, 80);
  Socket* c = tcp_socket(h.st);
  REQUIRE(soconnect(*c, sin(0x7f000001, 80), Td{}) == 0);
  h.st.poll(h.st.now());
  REQUIRE(!l->so_comp.empty());
  Socket* s = accept_one(*l);
  REQUIRE(s);
  int v = 0;
  // Linux over lo: the SYN-ACK offers 65483 (65536 rounded down to the
  // MSS less timestamps), the client's ACK 65536 (scaled).
  CHECK(getopt_int(*c, IPPROTO_TCP, TCP_MAXSEG, &v) == 0);
  CHECK(v == 65483 / 2);
  CHECK(getopt_int(*s, IPPROTO_TCP, TCP_MAXSEG, &v) == 0);
  CHECK(v == 32768);
  for (Socket* x : {c, s, l}) soclose(*x);
}
