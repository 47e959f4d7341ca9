// The segments RFC 9293 tells TCP to drop without a word are counted, so
// that netstat -s can name them: a reset or a non-SYN to a listener
// (§3.10.7.2), a segment without ACK on a synchronized connection
// (§3.10.7.4, fifth check).
#include <doctest/doctest.h>

#include "netinet/tcp_pair.hpp"
#include "support/tcp_peer.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;
using wire::TH_ACK;
using wire::TH_PUSH;
using wire::TH_RST;
using wire::TH_SYN;

namespace {

TcpStat& tstat(Host& h) { return tcp_globals(h.in()).stat; }

struct Listening {
  Host h;
  TcpPeer peer{h, 40000, 80};
  Socket* lis = nullptr;
  Socket* srv = nullptr;
  Listening() { lis = tcp_listener(h.st, 80); }
  ~Listening() {
    if (srv) soclose(*srv);
    if (lis) soclose(*lis);
    h.tun->if_transmit = nullptr;
  }
};

}  // namespace

TEST_CASE("tcp drops: a reset or a segment without SYN to a listener is dropped and counted (§3.10.7.2)") {
  Listening s;
  REQUIRE(s.lis);
  CHECK(tstat(s.h).listen_badseg == 0);
  s.peer.send(TH_RST);
  CHECK(tstat(s.h).listen_badseg == 1);
  s.peer.send(TH_PUSH, Pkt(10, std::byte{'x'}));
  CHECK(tstat(s.h).listen_badseg == 2);
  CHECK(s.peer.expect_silence(1s));
}

TEST_CASE("tcp drops: a segment without ACK on an established connection is dropped and counted (§3.10.7.4)") {
  Listening s;
  REQUIRE(s.lis);
  s.peer.send_syn(1000);
  REQUIRE(s.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)}));
  s.peer.send(TH_ACK);
  s.srv = accept_one(*s.lis);
  REQUIRE(s.srv);
  CHECK(tstat(s.h).rcvnoack == 0);
  s.peer.send(TH_PUSH, Pkt(10, std::byte{'x'}));
  CHECK(tstat(s.h).rcvnoack == 1);
  CHECK(s.srv->so_rcv.sb_cc == 0);
}
