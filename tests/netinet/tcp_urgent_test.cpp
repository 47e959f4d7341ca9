// Scripted-peer tests of TCP urgent data as Linux does it: RFC 9293
// §3.8.5/§3.10.7.4 (sixth, "check the URG bit") read per RFC 6093 §4 (the
// urgent pointer names the byte after the urgent one), the byte kept in
// the stream with a copy for recv(MSG_OOB) (tcp_check_urg, tcp_urg,
// tcp_recv_urg, tcp_recvmsg's stop at the mark), SO_OOBINLINE, SIOCATMARK
// (sooobmark() == 0), and send(MSG_OOB) setting URG and the pointer.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include "netinet/tcp_pair.hpp"
#include "support/tcp_peer.hpp"

using namespace tunsock;
using namespace tunsock::test;
using namespace std::chrono_literals;
using wire::TH_ACK;
using wire::TH_PUSH;
using wire::TH_SYN;
using wire::TH_URG;

namespace {

// A listener on port 80, the peer's handshake, the accepted socket.
struct Urg {
  Host h;
  TcpPeer peer{h, 40000, 80};
  Socket* lis = nullptr;
  Socket* srv = nullptr;

  Urg() {
    lis = tcp_listener(h.st, 80);
    peer.send_syn(1000);
    REQUIRE(peer.expect({tc::flags(TH_SYN | TH_ACK), tc::ack(1001)}));
    peer.send(TH_ACK);
    srv = accept_one(*lis);
    REQUIRE(srv);
  }
  ~Urg() {
    soclose(*srv);
    soclose(*lis);
    h.tun->if_transmit = nullptr;
  }
  // Data from the peer with URG and the pointer urp (relative to its seq).
  void send_urg(const std::string& data, uint16_t urp) {
    wire::TcpRepr t = peer.make(TH_ACK | TH_PUSH | TH_URG);
    t.urp = urp;
    peer.send(t, bytes_of(data));
  }
  void send_data(const std::string& data) { peer.send(TH_ACK | TH_PUSH, bytes_of(data)); }
  // recv(MSG_OOB [|more]): the byte, or "" with *err.
  std::string oob(int* err, int more = 0) {
    RecvArgs a;
    std::byte b{};
    a.buf = &b;
    a.len = 1;
    a.flags = MSG_OOB | more;
    *err = soreceive(*srv, a);
    if (*err == 0) CHECK((a.flags & MSG_OOB) != 0);
    return *err || a.done == 0 ? std::string() : std::string(1, char(b));
  }
};

}  // namespace

TEST_CASE("tcp urgent: the pointer names the byte after the urgent one, reads stop at the mark and skip it, MSG_OOB gives it once") {
  Urg u;
  CHECK(sooobmark(*u.srv) == -1);
  int e = 0;
  CHECK(u.oob(&e).empty());
  CHECK(e == EINVAL);  // no urgent data: EINVAL, as Linux
  u.send_urg("abcde", 3);  // the urgent byte is 'c'
  CHECK(sooobmark(*u.srv) == 2);
  CHECK(u.oob(&e, MSG_PEEK) == "c");
  CHECK(u.oob(&e) == "c");
  CHECK(u.oob(&e).empty());
  CHECK(e == EINVAL);  // taken once
  CHECK(tcp_read(*u.srv) == "ab");  // stops at the mark
  CHECK(sooobmark(*u.srv) == 0);    // SIOCATMARK
  CHECK(tcp_read(*u.srv, nullptr, 1, MSG_PEEK) == "d");  // a peek at the mark skips the byte too
  CHECK(tcp_read(*u.srv) == "de");  // the byte is skipped
  CHECK(sooobmark(*u.srv) == -1);
  // The same pointer again (a retransmission) is old news.
  u.peer.snd_nxt -= 5;
  u.send_urg("abcde", 3);
  CHECK(sooobmark(*u.srv) == -1);
  CHECK(u.oob(&e).empty());
  CHECK(e == EINVAL);
}

TEST_CASE("tcp urgent: with SO_OOBINLINE the byte stays in the stream, MSG_OOB is EINVAL, reads still stop at the mark") {
  Urg u;
  u.srv->so_options |= SOF_OOBINLINE;
  u.send_urg("xy!z", 3);
  int e = 0;
  CHECK(u.oob(&e).empty());
  CHECK(e == EINVAL);
  CHECK(tcp_read(*u.srv) == "xy");
  CHECK(sooobmark(*u.srv) == 0);
  CHECK(tcp_read(*u.srv) == "!z");
  CHECK(sooobmark(*u.srv) == -1);
}

TEST_CASE("tcp urgent: a pointer ahead of the data: MSG_OOB is EAGAIN until the byte's segment arrives") {
  Urg u;
  u.send_urg("ab", 5);  // the urgent byte is the fifth, not sent yet
  int e = 0;
  CHECK(u.oob(&e).empty());
  CHECK(e == EWOULDBLOCK);
  CHECK(sooobmark(*u.srv) == 4);
  CHECK(tcp_read(*u.srv) == "ab");
  CHECK(sooobmark(*u.srv) == 2);
  u.send_data("cdef");  // no URG: the awaited byte ('e') is taken all the same (Linux tcp_urg)
  CHECK(u.oob(&e) == "e");
  CHECK(tcp_read(*u.srv) == "cd");
  CHECK(tcp_read(*u.srv) == "f");
}

TEST_CASE("tcp urgent: a new pointer while the reader sits at the old mark drops the old byte (Linux tcp_check_urg)") {
  Urg u;
  u.send_urg("ab", 2);  // 'b' urgent
  CHECK(tcp_read(*u.srv) == "a");
  CHECK(sooobmark(*u.srv) == 0);
  u.send_urg("cd", 2);  // 'd' urgent: 'b', unread at the head, leaves the stream
  CHECK(sooobmark(*u.srv) == 1);
  int e = 0;
  CHECK(u.oob(&e) == "d");
  CHECK(tcp_read(*u.srv) == "c");
  CHECK(tcp_read(*u.srv, &e).empty());
  CHECK(e == EWOULDBLOCK);
  // Not at the mark: a newer pointer leaves the old byte as data.
  u.send_urg("ef", 2);  // 'f', behind an unread 'e'
  u.send_urg("gh", 2);  // 'h'
  CHECK(u.oob(&e) == "h");
  CHECK(tcp_read(*u.srv) == "efg");
}

TEST_CASE("tcp urgent: a byte taken by MSG_OOB comes again in band once SO_OOBINLINE is set (Linux urg_data TCP_URG_READ)") {
  // Linux keeps urg_data (TCP_URG_READ) after recv(MSG_OOB): tcp_recvmsg
  // skips the byte at the mark only while SOCK_URGINLINE is off, and
  // tcp_check_urg drops it at a newer pointer only then.
  Urg u;
  u.send_urg("abc!", 4);  // '!' urgent
  int e = 0;
  CHECK(u.oob(&e) == "!");
  CHECK(tcp_read(*u.srv) == "abc");
  CHECK(sooobmark(*u.srv) == 0);
  CHECK(u.oob(&e).empty());
  CHECK(e == EINVAL);
  u.srv->so_options |= SOF_OOBINLINE;
  u.send_urg("xy#", 3);  // a newer pointer: '!' stays, the reader is inline now
  CHECK(sooobmark(*u.srv) == 3);
  CHECK(tcp_read(*u.srv) == "!xy");
  CHECK(sooobmark(*u.srv) == 0);
  CHECK(tcp_read(*u.srv) == "#");
}

TEST_CASE("tcp urgent: send(MSG_OOB) sets URG with the pointer one past its last byte until it is acknowledged") {
  Urg u;
  mbuf* m = m_devget("xyz", 3, M_NOWAIT, true);
  REQUIRE(sosend(*u.srv, nullptr, m, nullptr, MSG_OOB, Td{}) == 0);
  auto seg = u.peer.expect({tc::flags_set(TH_URG | TH_ACK), tc::payload(bytes_of("xyz"))});
  REQUIRE(seg);
  CHECK(seg->tcp.urp == 3);
  CHECK(tcb(*u.srv)->snd_up == tcb(*u.srv)->snd_una + 3);
  u.peer.send(TH_ACK);
  REQUIRE(tcp_send_str(*u.srv, "more") == 0);
  CHECK(u.peer.expect({tc::flags_clear(TH_URG), tc::payload(bytes_of("more"))}));
}
