// TCP over two stacks on the in-memory link: the handshake and the data
// path both ways, every way of closing (FIN both ways, simultaneous open and
// close, half-close, RST on close with unread data, SO_LINGER 0), TIME_WAIT,
// the listen backlog, zero windows and persist probes, keepalive,
// retransmission backoff to ETIMEDOUT, TCP_USER_TIMEOUT, options and bind rules.
#include <netinet/tcp.h>

#include <cstring>
#include <set>
#include <utility>

#include "netinet/tcp_pair.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;

TEST_CASE("tcp: connect, accept, data both ways, close - the active closer waits in TIME-WAIT for 60 s") {
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

TEST_CASE("tcp: a failed connect keeps its source address until a connect reports it, then drops it and keeps the port (Linux)") {
  // Linux: the address stays through the failure and SO_ERROR; the connect
  // that reports it (__inet_stream_connect's sock_error) disconnects the
  // socket: tcp_disconnect's inet_reset_saddr unless the address was bound.
  TcpPair p;
  auto name = [](Socket& so) {
    SockAddr n;
    REQUIRE(sogetsockname(so, &n) == 0);
    sockaddr_in a{};
    std::memcpy(&a, &n.ss, sizeof a);
    return std::pair<uint32_t, uint16_t>{ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)};
  };
  Socket* so = tcp_socket(p.a);
  REQUIRE(soconnect(*so, sin(kB, 9), Td{}) == 0);
  REQUIRE(p.run_until([&] { return so->so_error != 0; }, 5s));
  const auto [addr, port] = name(*so);
  CHECK(addr == kA);
  CHECK(port != 0);
  CHECK(soconnect_failed(*so) == ECONNREFUSED);
  CHECK(name(*so) == std::pair<uint32_t, uint16_t>{0, port});
  CHECK(so->so_error == 0);
  // With SO_ERROR taken first the report says ECONNABORTED; a bound
  // address stays.
  Socket* b = tcp_socket(p.a);
  REQUIRE(sobind(*b, sin(kA, 0), Td{}) == 0);
  REQUIRE(soconnect(*b, sin(kB, 9), Td{}) == 0);
  REQUIRE(p.run_until([&] { return b->so_error != 0; }, 5s));
  b->so_error = 0;
  CHECK(soconnect_failed(*b) == ECONNABORTED);
  CHECK(name(*b).first == kA);
  // Either connects again.
  Socket* l = tcp_listener(p.b, 80);
  REQUIRE(soconnect(*so, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return (so->so_state & SS_ISCONNECTED) != 0; }, 5s));
  CHECK(name(*so).first == kA);
  for (Socket* x : {so, b, l}) soclose(*x);
}

TEST_CASE("tcp: connect(AF_UNSPEC) resets the connection and leaves a socket that connects again (Linux)") {
  TcpPair p;
  Conn c = tcp_connect_pair(p);
  REQUIRE(tcp_send_str(*c.srv, "unread") == 0);
  p.run_for(1s);
  REQUIRE(c.cli->so_rcv.sb_cc == 6);
  SockAddr un;
  un.ss.ss_family = AF_UNSPEC;
  un.len = sizeof(sa_family_t);
  REQUIRE(soconnect(*c.cli, un, Td{}) == 0);
  CHECK(tstate(*c.cli) == TcpState::CLOSED);
  CHECK(!(c.cli->so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)));
  CHECK(c.cli->so_rcv.sb_cc == 0);
  CHECK(c.cli->so_error == ECONNRESET);  // Linux tcp_disconnect: sk_err, POLLERR until the next connect
  CHECK(!(c.cli->so_rcv.sb_state & SBS_CANTRCVMORE));
  CHECK(!(c.cli->so_snd.sb_state & SBS_CANTSENDMORE));
  SockAddr peer;
  CHECK(sogetpeername(*c.cli, &peer) == ENOTCONN);
  p.run_for(1s);
  int err = 0;
  tcp_read(*c.srv, &err);
  CHECK(err == ECONNRESET);  // the peer got the RST
  CHECK(soconnect(*c.cli, un, Td{}) == 0);  // unconnected already: nothing to do
  CHECK(c.cli->so_error == ECONNRESET);     // (and the error stays)
  // It connects again (the error goes, tcp_connect_init), and data flows.
  REQUIRE(soconnect(*c.cli, sin(kB, 80), Td{}) == 0);
  CHECK(c.cli->so_error == 0);
  REQUIRE(p.run_until([&] { return (c.cli->so_state & SS_ISCONNECTED) != 0; }, 5s));
  Socket* srv2 = nullptr;
  REQUIRE(p.run_until([&] { return !c.lis->so_comp.empty(); }, 5s));
  srv2 = c.lis->so_comp.front();
  REQUIRE(tcp_send_str(*c.cli, "again") == 0);
  p.run_for(1s);
  CHECK(tcp_read(*srv2) == "again");
}

TEST_CASE("tcp: connect(AF_UNSPEC) on a listener stops it (Linux tcp_disconnect): CLOSE, accept EINVAL, listen again on its port") {
  TcpPair p;
  Socket* lis = tcp_listener(p.b, 80);
  Socket* cli = tcp_socket(p.a);
  REQUIRE(soconnect(*cli, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return !lis->so_comp.empty() && (cli->so_state & SS_ISCONNECTED); }, 5s));
  SockAddr un;
  un.ss.ss_family = AF_UNSPEC;
  un.len = sizeof(sa_family_t);
  REQUIRE(soconnect(*lis, un, Td{}) == 0);
  CHECK(tstate(*lis) == TcpState::CLOSED);
  CHECK(!(lis->so_options & SOF_ACCEPTCONN));
  CHECK(lis->so_comp.empty());
  CHECK(lis->so_error == 0);  // no connection of its own was reset
  CHECK(soaccept_check(*lis) == EINVAL);
  p.run_for(1s);
  int err = 0;
  tcp_read(*cli, &err);
  CHECK(err == ECONNRESET);  // the connection nobody accepted was reset
  // A SYN now finds nobody: refused.
  Socket* c2 = tcp_socket(p.a);
  REQUIRE(soconnect(*c2, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return c2->so_error != 0; }, 5s));
  CHECK(c2->so_error == ECONNREFUSED);
  // The port stays the listener's (bound by the program): another socket
  // cannot take it; listen starts it again there.
  Socket* other = tcp_socket(p.b);
  CHECK(sobind(*other, sin(0, 80), Td{}) == EADDRINUSE);
  REQUIRE(solisten(*lis, 4, Td{}) == 0);
  SockAddr name;
  REQUIRE(sogetsockname(*lis, &name) == 0);
  CHECK(ntohs(reinterpret_cast<const sockaddr_in*>(&name.ss)->sin_port) == 80);
  Socket* c3 = tcp_socket(p.a);
  REQUIRE(soconnect(*c3, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return !lis->so_comp.empty() && (c3->so_state & SS_ISCONNECTED); }, 5s));
  for (Socket* x : {cli, c2, c3, other, lis}) soclose(*x);
}

TEST_CASE("tcp: shutdown(SHUT_RD) stops a listener (Linux tcp_disconnect): queued connections reset, state CLOSE") {
  TcpPair p;
  Socket* lis = tcp_listener(p.b, 80);
  REQUIRE(soshutdown(*lis, SHUT_WR) == 0);  // SHUT_WR leaves a listener be
  CHECK(tstate(*lis) == TcpState::LISTEN);
  CHECK((lis->so_options & SOF_ACCEPTCONN));
  Socket* cli = tcp_socket(p.a);
  REQUIRE(soconnect(*cli, sin(kB, 80), Td{}) == 0);
  REQUIRE(p.run_until([&] { return !lis->so_comp.empty() && (cli->so_state & SS_ISCONNECTED); }, 5s));
  REQUIRE(soshutdown(*lis, SHUT_RD) == 0);
  CHECK(!(lis->so_options & SOF_ACCEPTCONN));
  CHECK(lis->so_comp.empty());
  CHECK(tstate(*lis) == TcpState::CLOSED);
  CHECK(!(lis->so_rcv.sb_state & SBS_CANTRCVMORE));  // nothing shut: a socket as new
  p.run_for(1s);
  int err = 0;
  tcp_read(*cli, &err);
  CHECK(err == ECONNRESET);  // the connection nobody accepted was reset
  CHECK(soshutdown(*lis, SHUT_RD) == ENOTCONN);  // unconnected now
  soclose(*cli);
  soclose(*lis);
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
  // The program's socket says CLOSE (Linux: the timewait sock holds the
  // connection, tcp_done closed the socket).
  struct tcp_info ti{};
  REQUIRE(tcp_info_get(*c.cli, &ti) == 0);
  CHECK(int(ti.tcpi_state) == 7);  // TCP_CLOSE
  CHECK(tcp_globals(inet(p.b)).conn.empty());  // the server's side is gone (LAST-ACK answered)
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

TEST_CASE("tcp options: NODELAY, CORK, MAXSEG, KEEP*, CONGESTION, DEFER_ACCEPT, QUICKACK with Linux's values and errnos") {
  TcpPair p;
  Socket* so = tcp_socket(p.a);
  int v = -1;
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_NODELAY, &v) == 0);
  CHECK(v == 0);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_NODELAY, &v) == 0);
  CHECK(v == 1);
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_MAXSEG, &v) == 0);
  CHECK(v == 536);  // Linux TCP_MSS_DEFAULT before a connection
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_MAXSEG, 50) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_MAXSEG, 40000) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_MAXSEG, 1000) == 0);
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_MAXSEG, &v) == 0);
  CHECK(v == 1000);
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_KEEPIDLE, &v) == 0);
  CHECK(v == 7200);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_KEEPIDLE, 0) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_KEEPCNT, 128) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_KEEPINTVL, 32768) == EINVAL);
  CHECK(setopt_int(*so, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5) == 0);
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v) == 0);
  CHECK(v == 7);  // Linux rounds to SYN-ACK retransmission periods: 1 + 2 + 4
  CHECK(getopt_int(*so, IPPROTO_TCP, TCP_QUICKACK, &v) == 0);
  CHECK(v == 1);
  CHECK(getopt_int(*so, IPPROTO_TCP, 9999, &v) == ENOPROTOOPT);
  char name[16] = {};
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = IPPROTO_TCP;
  s.sopt_name = TCP_CONGESTION;
  s.sopt_val = name;
  s.sopt_valsize = sizeof name;
  REQUIRE(sogetopt(*so, s) == 0);
  CHECK(std::string(name) == "cubic");  // Linux's default
  CHECK(s.sopt_valsize == 16);
  char bbr[] = "bbr";
  s.sopt_dir = SOPT_SET;
  s.sopt_val = bbr;
  s.sopt_valsize = 3;
  CHECK(sosetopt(*so, s) == ENOENT);  // not in this stack
  char reno[] = "reno";
  s.sopt_val = reno;
  s.sopt_valsize = 4;
  CHECK(sosetopt(*so, s) == 0);
  // SOL_IP still reaches IP: IP_TOS and IP_TTL on a TCP socket.
  CHECK(setopt_int(*so, IPPROTO_IP, IP_TTL, 7) == 0);
  CHECK(getopt_int(*so, IPPROTO_IP, IP_TTL, &v) == 0);
  CHECK(v == 7);
  // IP_TOS keeps TCP's ECN bits: the program's two low bits are dropped.
  CHECK(setopt_int(*so, IPPROTO_IP, IP_TOS, 0x13) == 0);
  CHECK(getopt_int(*so, IPPROTO_IP, IP_TOS, &v) == 0);
  CHECK(v == 0x10);
  CHECK(getopt_int(*so, SOL_SOCKET, SO_SNDBUF, &v) == 0);
  CHECK(v == 16384);  // tcp_wmem[1]
  CHECK(getopt_int(*so, SOL_SOCKET, SO_RCVBUF, &v) == 0);
  CHECK(v == 131072);  // tcp_rmem[1]
  soclose(*so);
}

TEST_CASE("tcp: TCP_INFO reports state, MSS, RTT, cwnd, options and byte counts") {
  TcpPair p(MemLinkParams{.delay = 10ms});
  Conn c = tcp_connect_pair(p);
  REQUIRE(tcp_send_str(*c.cli, std::string(5000, 'x')) == 0);
  p.run_for(1s);
  CHECK(tcp_read(*c.srv).size() == 5000);
  struct tcp_info ti{};
  REQUIRE(tcp_info_get(*c.cli, &ti) == 0);
  CHECK(ti.tcpi_state == 1);  // TCP_ESTABLISHED
  CHECK(ti.tcpi_snd_mss == 1448);  // 1460 less the timestamp option
  CHECK(ti.tcpi_advmss == 1448);  // Linux: the active opener's advmss less the timestamp option
  CHECK(ti.tcpi_rcv_mss == 536);   // nothing received yet: Linux's initial estimate
  CHECK((ti.tcpi_options & 7) == 7);  // TIMESTAMPS | SACK | WSCALE
  CHECK(int(ti.tcpi_snd_wscale) == 7);
  CHECK(int(ti.tcpi_rcv_wscale) == 7);
  CHECK(ti.tcpi_rtt >= 20000);  // 2 x 10 ms
  CHECK(ti.tcpi_rtt < 30000);
  CHECK(ti.tcpi_rto >= 200000);
  CHECK(ti.tcpi_snd_cwnd >= 10);
  CHECK(ti.tcpi_unacked == 0);
  CHECK(ti.tcpi_total_retrans == 0);
  // The whole Linux struct through getsockopt: bytes_acked and notsent_bytes too.
  std::byte buf[512] = {};
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = IPPROTO_TCP;
  s.sopt_name = TCP_INFO;
  s.sopt_val = buf;
  s.sopt_valsize = sizeof buf;
  REQUIRE(sogetopt(*c.cli, s) == 0);
  CHECK(s.sopt_valsize > sizeof(struct tcp_info));
  uint64_t acked = 0;
  std::memcpy(&acked, buf + 120, sizeof acked);  // tcpi_bytes_acked (after pacing rates)
  CHECK(acked == 5001);  // the SYN counts (Linux tcp_snd_una_update)
}

TEST_CASE("tcp bind: Linux's rules for SO_REUSEADDR, listeners, TIME-WAIT and SO_REUSEPORT") {
  TcpPair p;
  Socket* a = tcp_socket(p.a);
  Socket* b = tcp_socket(p.a);
  REQUIRE(sobind(*a, sin(0, 7000), Td{}) == 0);
  CHECK(sobind(*b, sin(0, 7000), Td{}) == EADDRINUSE);
  CHECK(sobind(*b, sin(kA, 7000), Td{}) == EADDRINUSE);  // wildcard covers the address
  CHECK(sobind(*a, sin(0, 7001), Td{}) == EINVAL);       // already bound
  soclose(*a);
  soclose(*b);
  // Both with SO_REUSEADDR: fine until one listens.
  a = tcp_socket(p.a);
  b = tcp_socket(p.a);
  REQUIRE(setopt_int(*a, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(setopt_int(*b, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*a, sin(0, 7000), Td{}) == 0);
  CHECK(sobind(*b, sin(0, 7000), Td{}) == 0);
  REQUIRE(solisten(*a, 5, Td{}) == 0);
  CHECK(solisten(*b, 5, Td{}) == EADDRINUSE);
  Socket* c = tcp_socket(p.a);
  REQUIRE(setopt_int(*c, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  CHECK(sobind(*c, sin(0, 7000), Td{}) == EADDRINUSE);  // the other one listens
  soclose(*a);
  soclose(*b);
  soclose(*c);
  // SO_REUSEPORT: two listeners of the same user share the port.
  a = tcp_socket(p.a);
  b = tcp_socket(p.a);
  REQUIRE(setopt_int(*a, SOL_SOCKET, SO_REUSEPORT, 1) == 0);
  REQUIRE(setopt_int(*b, SOL_SOCKET, SO_REUSEPORT, 1) == 0);
  REQUIRE(sobind(*a, sin(0, 7002), Td{}) == 0);
  REQUIRE(sobind(*b, sin(0, 7002), Td{}) == 0);
  CHECK(solisten(*a, 5, Td{}) == 0);
  CHECK(solisten(*b, 5, Td{}) == 0);
  soclose(*a);
  soclose(*b);
  // A port held only by TIME-WAIT: EADDRINUSE without SO_REUSEADDR, fine with it.
  Conn k = tcp_connect_pair(p, 8080);
  soclose(*k.lis);
  soclose(*k.srv);  // the server closes first: its side goes to TIME-WAIT
  p.run_for(1s);
  soclose(*k.cli);
  p.run_for(1s);
  REQUIRE(tcp_globals(inet(p.b)).conn.size() == 1);
  Socket* l = tcp_socket(p.b);
  CHECK(sobind(*l, sin(0, 8080), Td{}) == EADDRINUSE);
  REQUIRE(setopt_int(*l, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  CHECK(sobind(*l, sin(0, 8080), Td{}) == 0);
  CHECK(solisten(*l, 5, Td{}) == 0);
  soclose(*l);
}

TEST_CASE("tcp connect: ephemeral ports per 4-tuple (RFC 6056) - TIME-WAIT of another 4-tuple does not block") {
  TcpPair p;
  Socket* l1 = tcp_listener(p.b, 80, 100);
  Socket* l2 = tcp_listener(p.b, 81, 100);
  std::set<uint16_t> ports;
  for (int i = 0; i < 50; ++i) {
    Socket* c = tcp_socket(p.a);
    REQUIRE(soconnect(*c, sin(kB, 80), Td{}) == 0);
    ports.insert(local_port(*c));
    CHECK(local_port(*c) >= 32768);
    CHECK(local_port(*c) <= 60999);
  }
  CHECK(ports.size() == 50);
  p.run_for(1s);
  CHECK(l1->so_comp.size() == 50);
  // Sockets to another port may reuse a port number in use towards port 80.
  Socket* c2 = tcp_socket(p.a);
  REQUIRE(soconnect(*c2, sin(kB, 81), Td{}) == 0);
  p.run_for(1s);
  CHECK(l2->so_comp.size() == 1);
  // A connect from an explicitly bound port to a 4-tuple in use: EADDRNOTAVAIL.
  Socket* d = tcp_socket(p.a);
  REQUIRE(setopt_int(*d, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  Socket* e = tcp_socket(p.a);
  REQUIRE(setopt_int(*e, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(sobind(*d, sin(kA, 9000), Td{}) == 0);
  REQUIRE(sobind(*e, sin(kA, 9000), Td{}) == 0);
  REQUIRE(soconnect(*d, sin(kB, 81), Td{}) == 0);
  CHECK(soconnect(*e, sin(kB, 81), Td{}) == EADDRNOTAVAIL);
}

TEST_CASE("tcp: an ICMP port unreachable during SYN-SENT fails the connect (Linux tcp_v4_err)") {
  Host h;
  Socket* so = mksock(h.st, SOCK_STREAM, 0);
  REQUIRE(soconnect(*so, sin(kFar, 80), Td{}) == 0);
  Pkt syn = h.take();
  REQUIRE(syn.size() >= 40);
  CHECK(uint8_t(syn[33]) == tw::TH_SYN);
  // The router says: port unreachable, quoting our SYN.
  Pkt quote(syn.begin(), syn.begin() + 28);
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 3, 0, quote)));
  CHECK(so->so_error == ECONNREFUSED);
  CHECK(!(so->so_state & SS_ISCONNECTING));
  soclose(*so);
}

TEST_CASE("tcp: a segment to a port nobody listens on is answered with RST|ACK, ack = seq + 1 (RFC 9293 §3.10.7.1)") {
  Host h;
  tw::TcpRepr r;
  r.sport = 40000;
  r.dport = 9;
  r.seq = 1000;
  r.flags = tw::TH_SYN;
  r.win = 1000;
  Pkt seg(tw::kTcpHdrLen);
  tw::tcp_emit(seg.data(), r);
  tw::tcp_set_cksum(seg.data(), tw::tcp_cksum(kPeer, kUs, seg));
  h.inject(ip_pkt(kPeer, kUs, 6, seg));
  Pkt out = h.take();
  auto rst = tw::tcp_parse(tw::Bytes(out.data() + 20, out.size() - 20));
  REQUIRE(rst);
  CHECK(rst->flags == (tw::TH_RST | tw::TH_ACK));
  CHECK(rst->seq == 0);
  CHECK(rst->ack == 1001);
  CHECK(rst->sport == 9);
  CHECK(rst->dport == 40000);
  h.advance(5s);
  CHECK(h.out.empty());
}
