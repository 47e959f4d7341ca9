// TCP_DEFER_ACCEPT with a scripted peer, as Linux (tcp_check_req,
// syn_ack_recalc): the bare final ACK is dropped and the connection stays
// in SYN-RECEIVED, off the accept queue, until data arrives; the SYN-ACK is
// not sent again while the deferral lasts, except once in its last period;
// the ACK to that makes the connection even without data.
#include <doctest/doctest.h>
#include <netinet/tcp.h>

#include "netinet/tcp_pair.hpp"
#include "support/tcp_peer.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;
using wire::TH_ACK;
using wire::TH_PUSH;
using wire::TH_SYN;

namespace {

struct Deferred {
  Host h;
  TcpPeer peer{h, 40000, 80};
  Socket* lis = nullptr;
  explicit Deferred(int secs) {
    lis = tcp_listener(h.st, 80);
    REQUIRE(setopt_int(*lis, IPPROTO_TCP, TCP_DEFER_ACCEPT, secs) == 0);
    peer.send_syn(1000);
    REQUIRE(peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)}));
    peer.send(TH_ACK);  // the bare final ACK
  }
  ~Deferred() {
    soclose(*lis);
    h.tun->if_transmit = nullptr;
  }
  Socket* embryo() { return lis->so_incomp.empty() ? nullptr : lis->so_incomp.front(); }
};

}  // namespace

TEST_CASE("tcp defer: data after the bare ACK makes the connection, accepted with its data") {
  Deferred d(5);
  REQUIRE(d.embryo());
  CHECK(tstate(*d.embryo()) == TcpState::SYN_RECEIVED);
  CHECK(d.lis->so_comp.empty());
  CHECK(d.peer.expect_silence(900ms));
  d.peer.send(TH_ACK | TH_PUSH, bytes_of("first data"));
  d.peer.expect({tc::flags(TH_ACK), tc::ack(1011)});
  REQUIRE(d.lis->so_comp.size() == 1);
  Socket* s = accept_one(*d.lis);
  REQUIRE(s);
  CHECK(tstate(*s) == TcpState::ESTABLISHED);
  CHECK(tcp_read(*s) == "first data");
  soclose(*s);
}

TEST_CASE("tcp defer: without data, the SYN-ACK goes again only in the deferral's last period, and its ACK makes the connection") {
  Deferred d(5);  // 5 s: 3 SYN-ACK periods (1 + 2 + 4 s)
  // Timeouts at 1 s and 3 s send nothing: an ACK came.
  CHECK(d.peer.expect_silence(6900ms));
  // At 7 s (the third timeout) the SYN-ACK goes again.
  d.peer.advance(200ms);
  auto sa = d.peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)}, false);
  REQUIRE(sa);
  CHECK(d.lis->so_comp.empty());
  d.peer.send(TH_ACK);
  REQUIRE(d.lis->so_comp.size() == 1);
  Socket* s = accept_one(*d.lis);
  REQUIRE(s);
  CHECK(tstate(*s) == TcpState::ESTABLISHED);
  soclose(*s);
}

TEST_CASE("tcp defer: without TCP_DEFER_ACCEPT the bare ACK makes the connection at once") {
  Host h;
  TcpPeer peer{h, 40000, 80};
  Socket* lis = tcp_listener(h.st, 80);
  peer.send_syn(1000);
  REQUIRE(peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)}));
  peer.send(TH_ACK);
  CHECK(lis->so_comp.size() == 1);
  Socket* s = accept_one(*lis);
  REQUIRE(s);
  soclose(*s);
  soclose(*lis);
  h.tun->if_transmit = nullptr;
}
