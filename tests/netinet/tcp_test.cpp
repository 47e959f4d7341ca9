// TCP over two stacks on the in-memory link: the handshake and the data
// path both ways, every way of closing (FIN both ways, simultaneous open and
// close, half-close, RST on close with unread data, SO_LINGER 0), TIME_WAIT,
// the listen backlog, zero windows and persist probes, keepalive,
// retransmission backoff to ETIMEDOUT, TCP_USER_TIMEOUT, options and bind rules.
#include <linux/tcp.h>

#include "netinet/tcp_pair.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

TEST_CASE("tcp: connect, accept, data both ways, close; the active closer waits in TIME-WAIT for 60 s") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  CHECK(tstate(*c.cli) == TcpState::ESTABLISHED);
  CHECK(tstate(*c.srv) == TcpState::ESTABLISHED);
  SockAddr peer;
  REQUIRE(sogetpeername(*c.srv, &peer) == 0);
  sockaddr_in psin;
  std::memcpy(&psin, &peer.ss, sizeof psin);
  CHECK(ntohl(psin.sin_addr.s_addr) == kA);
  CHECK(ntohs(psin.sin_port) == local_port(*c.cli));
  CHECK(ntohs(psin.sin_port) >= 32768);

  REQUIRE(tcp_send_str(*c.cli, "hello, server") == 0);
  REQUIRE(tcp_send_str(*c.srv, "hello, client") == 0);
  p.run_for(1s);
  CHECK(tcp_read(*c.srv) == "hello, server");
  CHECK(tcp_read(*c.cli) == "hello, client");
  int err = 0;
  CHECK(tcp_read(*c.cli, &err).empty());
  CHECK(err == EWOULDBLOCK);

  soclose(*c.cli);  // active close
  p.run_for(1s);
  CHECK(tcp_read(*c.srv, &err).empty());
  CHECK(err == 0);  // end of file
  CHECK(tstate(*c.srv) == TcpState::CLOSE_WAIT);
  soclose(*c.srv);
  p.run_for(1s);
  // The client's control block lives on in TIME-WAIT, its port held.
  TcpGlobals& ga = tcp_globals(inet(p.a));
  REQUIRE(ga.conn.size() == 1);
  CHECK(ga.conn.begin()->second->inp_tcpcb->t_state == TcpState::TIME_WAIT);
  CHECK(tcp_globals(inet(p.b)).conn.empty());
  p.run_for(58s);
  CHECK(ga.conn.size() == 1);
  p.run_for(2s);
  CHECK(ga.conn.empty());
  CHECK(p.stat_a().connects == 1);
  CHECK(p.stat_b().accepts == 1);
  soclose(*c.lis);
  CHECK(p.a.sockets().empty());
  CHECK(p.b.sockets().empty());
}

TEST_CASE("tcp: connect to a port nobody listens on is refused by a RST") {
  TcpPair p;
  Socket* so = tcp_socket(p.a);
  REQUIRE(soconnect(*so, sin(kB, 9), Td{}) == 0);
  CHECK((so->so_state & SS_ISCONNECTING));
  REQUIRE(p.run_until([&] { return so->so_error != 0; }, 5s));
  CHECK(so->so_error == ECONNREFUSED);
  CHECK(!(so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING)));
  CHECK(tstate(*so) == TcpState::CLOSED);
  soclose(*so);
}

TEST_CASE("tcp: a connect to a silent host gives up after 127 s of SYN retries (ETIMEDOUT)") {
  MemLinkParams lp;
  lp.loss = 1.0;
  TcpPair p(lp);
  Socket* so = tcp_socket(p.a);
  REQUIRE(soconnect(*so, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return so->so_error != 0; }, 300s));
  CHECK(so->so_error == ETIMEDOUT);
  CHECK(p.now() >= 127s);
  CHECK(p.now() < 128s);
  CHECK(p.link.stats().sent == 7);  // the SYN and 6 retries
  soclose(*so);
}

TEST_CASE("tcp: simultaneous open (RFC 9293 §3.5 figure 8) and simultaneous close") {
  TcpPair p;
  Socket* x = tcp_socket(p.a);
  Socket* y = tcp_socket(p.b);
  REQUIRE(sobind(*x, sin(kA, 5000), Td{}) == 0);
  REQUIRE(sobind(*y, sin(kB, 6000), Td{}) == 0);
  REQUIRE(soconnect(*x, sin(kB, 6000), Td{}) == 0);
  REQUIRE(soconnect(*y, sin(kA, 5000), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (x->so_state & SS_ISCONNECTED) && (y->so_state & SS_ISCONNECTED); }, 10s));
  REQUIRE(tcp_send_str(*x, "x") == 0);
  REQUIRE(tcp_send_str(*y, "y") == 0);
  p.run_for(1s);
  CHECK(tcp_read(*x) == "y");
  CHECK(tcp_read(*y) == "x");
  // Both close at once: FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both sides.
  REQUIRE(soshutdown(*x, SHUT_WR) == 0);
  REQUIRE(soshutdown(*y, SHUT_WR) == 0);
  CHECK(tstate(*x) == TcpState::FIN_WAIT_1);
  p.run_for(1s);
  CHECK(tstate(*x) == TcpState::TIME_WAIT);
  CHECK(tstate(*y) == TcpState::TIME_WAIT);
  soclose(*x);
  soclose(*y);
  p.run_for(61s);
  CHECK(p.a.sockets().empty());
  CHECK(p.b.sockets().empty());
}

TEST_CASE("tcp: half-close: after shutdown(SHUT_WR) the peer reads EOF and can still send") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  REQUIRE(tcp_send_str(*c.cli, "request") == 0);
  REQUIRE(soshutdown(*c.cli, SHUT_WR) == 0);
  p.run_for(1s);
  CHECK(tcp_read(*c.srv) == "request");
  int err = -1;
  CHECK(tcp_read(*c.srv, &err).empty());
  CHECK(err == 0);
  CHECK(tstate(*c.cli) == TcpState::FIN_WAIT_2);
  CHECK(tstate(*c.srv) == TcpState::CLOSE_WAIT);
  CHECK(tcp_send_str(*c.cli, "more") == EPIPE);
  REQUIRE(tcp_send_str(*c.srv, "response") == 0);
  p.run_for(1s);
  CHECK(tcp_read(*c.cli) == "response");
  soclose(*c.srv);
  p.run_for(1s);
  CHECK(tcp_read(*c.cli, &err).empty());
  CHECK(err == 0);
  CHECK(tstate(*c.cli) == TcpState::TIME_WAIT);
  CHECK(tstate(*c.srv) == TcpState::CLOSED);
}

TEST_CASE("tcp: close with unread data resets the peer (ECONNRESET once, then EPIPE on write)") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  REQUIRE(tcp_send_str(*c.srv, "unread") == 0);
  p.run_for(1s);
  REQUIRE(c.cli->so_rcv.sb_cc == 6);
  soclose(*c.cli);
  p.run_for(1s);
  CHECK(tstate(*c.srv) == TcpState::CLOSED);
  int err = 0;
  tcp_read(*c.srv, &err);
  CHECK(err == ECONNRESET);
  tcp_read(*c.srv, &err);
  CHECK(err == 0);
  CHECK(tcp_send_str(*c.srv, "x") == EPIPE);
  CHECK(p.stat_a().sndrst == 1);
  CHECK(p.a.sockets().empty());  // no TIME-WAIT after a reset
}

TEST_CASE("tcp: SO_LINGER with 0 seconds closes with a RST") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  linger l{1, 0};
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = SOL_SOCKET;
  s.sopt_name = SO_LINGER;
  s.sopt_val = &l;
  s.sopt_valsize = sizeof l;
  REQUIRE(sosetopt(*c.srv, s) == 0);
  soclose(*c.srv);
  p.run_for(1s);
  CHECK(c.cli->so_error == ECONNRESET);
  CHECK(tstate(*c.cli) == TcpState::CLOSED);
}

TEST_CASE("tcp: a connection reset before accept is still returned by accept (Linux)") {
  TcpPair p;
  Socket* l = tcp_listener(p.b, 80);
  Socket* cli = tcp_socket(p.a);
  REQUIRE(soconnect(*cli, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return !l->so_comp.empty(); }, 5s));
  linger lg{1, 0};
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = SOL_SOCKET;
  s.sopt_name = SO_LINGER;
  s.sopt_val = &lg;
  s.sopt_valsize = sizeof lg;
  REQUIRE(sosetopt(*cli, s) == 0);
  soclose(*cli);
  p.run_for(1s);
  REQUIRE(l->so_comp.size() == 1);
  Socket* so = accept_one(*l);
  REQUIRE(so);
  int err = 0;
  tcp_read(*so, &err);
  CHECK(err == ECONNRESET);
  tcp_read(*so, &err);
  CHECK(err == 0);
  soclose(*so);
  soclose(*l);
  CHECK(p.b.sockets().empty());
}

TEST_CASE("tcp: listen backlog: a full accept queue drops the final ACK and keeps SYN-RECEIVED") {
  TcpPair p;
  Socket* l = tcp_listener(p.b, 80, 1);  // Linux: backlog 1 holds 2
  Socket* cli[3];
  for (auto& c : cli) {
    c = tcp_socket(p.a);
    REQUIRE(soconnect(*c, sin(kB, 80), Td{}) == 0);
  }
  p.run_for(2s);
  CHECK(l->so_comp.size() == 2);
  CHECK(p.stat_b().listen_overflows >= 1);
  // The client of the third thinks it is connected; the server holds it in
  // SYN-RECEIVED (or dropped its SYN) and completes it once there is room.
  CHECK((cli[2]->so_state & SS_ISCONNECTED || cli[2]->so_state & SS_ISCONNECTING));
  Socket* s1 = accept_one(*l);
  REQUIRE(s1);
  REQUIRE(p.run_until([&] { return l->so_comp.size() == 2; }, 30s));
  Socket* s2 = accept_one(*l);
  Socket* s3 = accept_one(*l);
  REQUIRE(s2);
  REQUIRE(s3);
  REQUIRE(tcp_send_str(*cli[2], "third") == 0);
  REQUIRE(p.run_until([&] { return s3->so_rcv.sb_cc > 0 || s2->so_rcv.sb_cc > 0; }, 5s));
  CHECK(tcp_read(*s3) + tcp_read(*s2) == "third");
}

TEST_CASE("tcp: a zero window holds the sender, persist probes carry one byte, reading opens it") {
  TcpPair p;
  Conn c;
  c.lis = tcp_listener(p.b, 80);
  REQUIRE(setopt_int(*c.lis, SOL_SOCKET, SO_RCVBUF, 4096) == 0);  // 8192 as Linux doubles; inherited
  c.cli = tcp_socket(p.a);
  REQUIRE(setopt_int(*c.cli, SOL_SOCKET, SO_SNDBUF, 65536) == 0);
  REQUIRE(soconnect(*c.cli, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return !c.lis->so_comp.empty(); }, 5s));
  c.srv = accept_one(*c.lis);
  Pkt data(40000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(i);
  size_t sent = tcp_write(*c.cli, data);
  CHECK(sent == data.size());
  p.run_for(2s);
  TcpCb* tp = tcb(*c.cli);
  CHECK(tp->snd_wnd == 0);
  CHECK(c.srv->so_rcv.sb_cc <= 8192);
  p.run_for(30s);
  CHECK(p.stat_a().persisttimeo >= 3);
  CHECK(p.stat_a().sndprobe >= 3);
  CHECK(tstate(*c.cli) == TcpState::ESTABLISHED);
  std::string got;
  REQUIRE(p.run_until(
      [&] {
        got += tcp_read(*c.srv);
        return got.size() >= data.size();
      },
      300s));
  REQUIRE(got.size() == data.size());
  CHECK(std::memcmp(got.data(), data.data(), data.size()) == 0);
}

TEST_CASE("tcp: keepalive probes a silent peer and drops it (ETIMEDOUT) after KEEPCNT") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  REQUIRE(setopt_int(*c.cli, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  REQUIRE(setopt_int(*c.cli, IPPROTO_TCP, TCP_KEEPIDLE, 10) == 0);
  REQUIRE(setopt_int(*c.cli, IPPROTO_TCP, TCP_KEEPINTVL, 5) == 0);
  REQUIRE(setopt_int(*c.cli, IPPROTO_TCP, TCP_KEEPCNT, 3) == 0);
  // First the peer answers: the connection stays.
  p.run_for(30s);
  CHECK(tstate(*c.cli) == TcpState::ESTABLISHED);
  CHECK(p.stat_a().keepprobe >= 2);
  p.link.params().loss = 1.0;
  const Time t0 = p.now();
  REQUIRE(p.run_until([&] { return c.cli->so_error != 0; }, 100s));
  CHECK(c.cli->so_error == ETIMEDOUT);
  CHECK(p.now() - t0 <= 26s);
  CHECK(p.stat_a().keepdrops == 1);
}

TEST_CASE("tcp: retransmission backs off exponentially and gives up after ~924.6 s (tcp_retries2 15)") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  p.link.params().loss = 1.0;
  const Time t0 = p.now();
  REQUIRE(tcp_send_str(*c.cli, "lost") == 0);
  std::vector<int> shifts;
  REQUIRE(p.run_until([&] { return c.cli->so_error != 0; }, 2000s));
  CHECK(c.cli->so_error == ETIMEDOUT);
  const Time took = p.now() - t0;
  CHECK(took >= 924s);
  CHECK(took < 1000s);
  CHECK(p.stat_a().rexmttimeo >= 10);
  CHECK(p.stat_a().timeoutdrop == 1);
}

TEST_CASE("tcp: TCP_USER_TIMEOUT bounds how long data may stay unacknowledged") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  REQUIRE(setopt_int(*c.cli, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000) == 0);
  int v = 0;
  REQUIRE(getopt_int(*c.cli, IPPROTO_TCP, TCP_USER_TIMEOUT, &v) == 0);
  CHECK(v == 5000);
  p.link.params().loss = 1.0;
  const Time t0 = p.now();
  REQUIRE(tcp_send_str(*c.cli, "lost") == 0);
  REQUIRE(p.run_until([&] { return c.cli->so_error != 0; }, 100s));
  CHECK(c.cli->so_error == ETIMEDOUT);
  CHECK(p.now() - t0 >= 5s);
  CHECK(p.now() - t0 < 10s);
  CHECK(setopt_int(*c.cli, IPPROTO_TCP, TCP_USER_TIMEOUT, -1) == EINVAL);
}
