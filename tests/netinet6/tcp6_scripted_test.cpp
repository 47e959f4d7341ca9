// TCP over IPv6 against a scripted peer on tun0: the handshake, data and
// close, resets to a closed port, checksums (RFC 8200 §8.1), the MSS for
// IPv6 (RFC 9293 §3.7.1), Packet Too Big (RFC 8201), other ICMPv6 errors
// (RFC 4443, Linux tcp_v6_err), hop limit and traffic class, TIME-WAIT.
#include <netinet/tcp.h>

#include "netinet6/tcp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;
using namespace std::chrono_literals;
using wire::TH_ACK;
using wire::TH_FIN;
using wire::TH_PUSH;
using wire::TH_RST;
using wire::TH_SYN;

namespace {

// Every segment sent so far (all must be TCP over IPv6).
std::vector<Seg6> drain(Peer6& p) {
  std::vector<Seg6> v;
  for (int i = 0; i < 1000 && !p.h.out.empty(); ++i) v.push_back(p.take());
  return v;
}

// A connection accepted from the peer (passive open, no options but MSS).
Socket* accept6(TcpHost6& h, Peer6& p, Socket& l, uint32_t iss = 5000) {
  p.send_syn(iss);
  Seg6 sa = p.take();
  REQUIRE(sa.tcp.flags == (TH_SYN | TH_ACK));
  p.send(TH_ACK);
  Socket* s = test::accept_one(l);
  REQUIRE(s);
  CHECK(h.out.empty());
  return s;
}

// The stack connects to the peer (active open); the peer answers with MSS 1440.
Socket* connect6(TcpHost6& h, Peer6& p, Seg6* syn = nullptr) {
  Socket* c = tcp6_socket(h.st);
  REQUIRE(soconnect(*c, sin6(p.addr, p.port), Td{}) == 0);
  Seg6 s = p.take();
  REQUIRE(s.tcp.flags == TH_SYN);
  p.sport = s.tcp.sport;
  if (syn) *syn = s;
  p.snd_nxt = 9000;
  wire::TcpRepr t = p.make(TH_SYN | TH_ACK);
  t.opts.mss = 1440;
  p.send(t);
  Seg6 a = p.take();
  REQUIRE(a.tcp.flags == TH_ACK);
  REQUIRE((c->so_state & SS_ISCONNECTED));
  return c;
}

// An ICMPv6 error from a router about pkt (what the stack sent), quoting
// as much as fits in 1280 bytes (RFC 4443 §2.4(c)).
Pkt icmp6_about(uint8_t type, uint8_t code, uint32_t info, const Pkt& pkt) {
  const In6 router = a6("2001:db8::ff");
  Pkt q(pkt.begin(), pkt.begin() + long(std::min<size_t>(pkt.size(), 1280 - 48)));
  return ip6(router, kUs, 58, icmp6(router, kUs, type, code, info, q));
}

}  // namespace

TEST_CASE("tcp6: passive open over IPv6: SYN-ACK with MSS 1440 on a 1500 MTU, data both ways, names, TCP_INFO, close") {
  TcpHost6 h;
  Socket* l = tcp6_listener(h.st, 80);
  Peer6 p(h, 40000, 80);
  p.send_syn(5000);
  Seg6 sa = p.take();
  CHECK(sa.tcp.flags == (TH_SYN | TH_ACK));
  CHECK(sa.tcp.ack == 5001);
  CHECK(sa.tcp.opts.mss == 1440);  // 1500 - 40 - 20
  CHECK(sa.ip.hlim == 64);
  CHECK(sa.size == 40 + 20 + 4);   // the peer offered no other option
  p.send(TH_ACK);
  Socket* s = test::accept_one(*l);
  REQUIRE(s);
  CHECK(sotoinpcb(*s)->inp_vflag == INP_IPV6);
  CHECK(sotoinpcb(*s)->inp_family == AF_INET6);
  sockaddr_in6 peer = name6(*s, true), local = name6(*s, false);
  CHECK(addr_of(peer) == kPeer);
  CHECK(ntohs(peer.sin6_port) == 40000);
  CHECK(addr_of(local) == kUs);
  CHECK(ntohs(local.sin6_port) == 80);
  // The connection is in the IPv6 hash, not the IPv4 one.
  CHECK(h.g().conn6.size() == 1);
  CHECK(h.g().conn.empty());

  p.send(TH_ACK | TH_PUSH, bytes("hello"));
  CHECK(test::tcp_read(*s) == "hello");
  REQUIRE(test::tcp_send_str(*s, "world") == 0);
  h.advance(1s);
  bool saw_data = false;
  for (const Seg6& x : drain(p)) {
    CHECK(x.tcp.ack == p.snd_nxt);
    if (!x.payload.empty()) {
      CHECK(x.payload == bytes("world"));
      saw_data = true;
    }
  }
  CHECK(saw_data);

  struct tcp_info ti {};
  REQUIRE(tcp_info_get(*s, &ti) == 0);
  CHECK(ti.tcpi_state == 1);       // TCP_ESTABLISHED
  CHECK(ti.tcpi_pmtu == 1500);     // advmss + 60
  CHECK(ti.tcpi_snd_mss == 1440);
  CHECK(ti.tcpi_advmss == 1440);

  // The peer closes first: CLOSE-WAIT, then our FIN, LAST-ACK, closed.
  p.send(TH_ACK | TH_FIN);
  CHECK(test::tstate(*s) == TcpState::CLOSE_WAIT);
  drain(p);
  REQUIRE(soclose(*s) == 0);
  Seg6 fin = p.take();
  CHECK((fin.tcp.flags & TH_FIN));
  p.send(TH_ACK);
  CHECK(h.g().conn6.empty());
  CHECK(h.ts().rcvbadsum == 0);
  soclose(*l);
}

TEST_CASE("tcp6: a segment to a closed port is answered with a reset over IPv6 (RFC 9293 §3.10.7.1), checksum right") {
  TcpHost6 h;
  Peer6 p(h, 40001, 81);
  p.send_syn(7000);
  Seg6 r = p.take();
  CHECK(r.tcp.flags == (TH_RST | TH_ACK));
  CHECK(r.tcp.seq == 0);
  CHECK(r.tcp.ack == 7001);
  CHECK(r.tcp.sport == 81);
  CHECK(r.tcp.dport == 40001);
  CHECK(r.sum_ok);
  CHECK(r.ip.nxt == 6);
  // An ACK gets a RST with its acknowledgment as sequence, no ACK bit.
  p.rcv_nxt = 123456;
  p.send(TH_ACK);
  Seg6 r2 = p.take();
  CHECK(r2.tcp.flags == TH_RST);
  CHECK(r2.tcp.seq == 123456);
  CHECK(r2.sum_ok);
  // A reset gets nothing.
  p.send(TH_RST);
  CHECK(h.out.empty());
  CHECK(h.ts().sndrst == 2);
  // Link-local to link-local: the reset comes from fe80::1.
  Peer6 ll(h, 40002, 82, kPeerLL, kUsLL);
  ll.send_syn(1);
  Seg6 r3 = ll.take();
  CHECK(r3.tcp.flags == (TH_RST | TH_ACK));
  CHECK(r3.ip.src == kUsLL);
}

TEST_CASE("tcp6: a segment with a bad checksum is dropped and counted, a good one answered") {
  TcpHost6 h;
  Socket* l = tcp6_listener(h.st, 80);
  Peer6 p(h, 40003, 80);
  wire::TcpRepr t = p.make(TH_SYN);
  t.seq = 100;
  t.opts.mss = 1440;
  p.send(t, {}, true);
  CHECK(h.out.empty());
  CHECK(h.ts().rcvbadsum == 1);
  CHECK(h.tun->if_data.rx_dropped == 1);
  CHECK(l->so_incomp.empty());
  // A TCP checksum computed over an IPv4-style pseudo-header is wrong too.
  const wire::TcpRepr t4 = t;
  Pkt seg(size_t(wire::kTcpHdrLen) + wire::tcp_options_len(t4.opts));
  wire::tcp_emit(seg.data(), t4);
  wire::tcp_set_cksum(seg.data(), wire::tcp_cksum(kPeer4, kUs4, seg));
  h.inject(ip6(kPeer, kUs, 6, seg));
  CHECK(h.ts().rcvbadsum == 2);
  CHECK(h.out.empty());
  p.send_syn(100);
  CHECK(p.take().tcp.flags == (TH_SYN | TH_ACK));
  soclose(*l);
}

TEST_CASE("tcp6: active open: source address selected, MSS 1440 (1220 on a 1280 link), hop limit and traffic class from IPV6_UNICAST_HOPS and IPV6_TCLASS") {
  SUBCASE("1500") {
    TcpHost6 h;
    Peer6 p(h, 80, 0);
    Socket* c = tcp6_socket(h.st);
    REQUIRE(test::setopt_int(*c, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7) == 0);
    REQUIRE(test::setopt_int(*c, IPPROTO_IPV6, IPV6_TCLASS, 0x28) == 0);
    REQUIRE(soconnect(*c, sin6(kPeer, 80), Td{}) == 0);
    p.sport = 0;
    REQUIRE(!h.out.empty());
    auto s = seg6_parse(h.out.front());
    REQUIRE(s);
    CHECK(s->sum_ok);
    CHECK(s->ip.src == kUs);
    CHECK(s->ip.hlim == 7);
    CHECK(s->ip.tclass == 0x28);
    CHECK(s->tcp.flags == TH_SYN);
    CHECK(s->tcp.opts.mss == 1440);
    CHECK(s->tcp.sport >= 32768);
    CHECK(sotoinpcb(*c)->inp_vflag == INP_IPV6);
    soclose(*c);
  }
  SUBCASE("1280") {
    TcpHost6 h(1, 1280);
    Socket* c = tcp6_socket(h.st);
    REQUIRE(soconnect(*c, sin6(kFar, 80), Td{}) == 0);  // by the default route
    auto s = seg6_parse(h.out.at(0));
    REQUIRE(s);
    CHECK(s->tcp.opts.mss == 1220);
    CHECK(s->ip.dst == kFar);
    soclose(*c);
  }
  SUBCASE("a listener's hop limit and traffic class go to its connections") {
    TcpHost6 h;
    Socket* l = tcp6_socket(h.st);
    REQUIRE(test::setopt_int(*l, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9) == 0);
    REQUIRE(test::setopt_int(*l, IPPROTO_IPV6, IPV6_TCLASS, 0x10) == 0);
    REQUIRE(sobind(*l, sin6(kUs, 80), Td{}) == 0);
    REQUIRE(solisten(*l, 4, Td{}) == 0);
    Peer6 p(h, 40004, 80);
    p.send_syn(1);
    Seg6 sa = p.take();
    CHECK(sa.ip.hlim == 9);
    CHECK(sa.ip.tclass == 0x10);
    soclose(*l);
  }
}

TEST_CASE("tcp6: Packet Too Big lowers the MSS and what is outstanding goes again in smaller segments - below 1280 it is discarded (RFC 8201)") {
  TcpHost6 h;
  Peer6 p(h, 80, 0);
  Socket* c = connect6(h, p);
  REQUIRE(test::tcb(*c)->t_maxseg == 1440);
  REQUIRE(test::setopt_int(*c, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  std::string data(3000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = char('a' + i % 26);
  REQUIRE(test::tcp_send_str(*c, data) == 0);
  REQUIRE(h.out.size() == 3);
  const Pkt first = h.out.front();
  std::vector<Seg6> sent = drain(p);
  CHECK(sent[0].size == 1500);
  CHECK(sent[0].payload.size() == 1440);
  const uint32_t una = sent[0].tcp.seq;
  // One saying less than 1280 is discarded (RFC 8201 §4, Linux tcp_v6_err):
  // the path MTU and the MSS stay, nothing goes again.
  h.inject(icmp6_about(wire::ICMP6_PACKET_TOO_BIG_, 0, 1000, first));
  CHECK(h.c().pmtuchg == 0);
  CHECK(ip6_pmtu(h.in6(), kPeer) == 1500);
  CHECK(test::tcb(*c)->t_maxseg == 1440);
  CHECK(drain(p).empty());
  // A router on the way takes only 1280.
  h.inject(icmp6_about(wire::ICMP6_PACKET_TOO_BIG_, 0, 1280, first));
  CHECK(h.c().pmtuchg == 1);
  CHECK(ip6_pmtu(h.in6(), kPeer) == 1280);
  CHECK(test::tcb(*c)->t_maxseg == 1220);
  std::vector<Seg6> again = drain(p);
  REQUIRE(again.size() >= 3);
  CHECK(again[0].tcp.seq == una);
  size_t bytes = 0;
  for (const Seg6& s : again) {
    CHECK(s.size <= 1280);
    CHECK(s.payload.size() <= 1220);
    bytes += s.payload.size();
  }
  CHECK(bytes == 3000);
  CHECK(again[0].payload == Pkt(reinterpret_cast<const std::byte*>(data.data()),
                                reinterpret_cast<const std::byte*>(data.data()) + 1220));
  CHECK(h.ts().sndrexmitpack >= 3);
  // A Packet Too Big quoting a sequence not in flight changes nothing more
  // (RFC 5927 §4.1), one above the current MTU neither (RFC 8201 §4).
  h.inject(icmp6_about(wire::ICMP6_PACKET_TOO_BIG_, 0, 1400, first));
  CHECK(test::tcb(*c)->t_maxseg == 1220);
  soclose(*c);
}

static int so_error_read(Socket& so) {
  int v = -1;
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = SOL_SOCKET;
  s.sopt_name = SO_ERROR;
  s.sopt_val = &v;
  s.sopt_valsize = sizeof v;
  REQUIRE(sogetopt(so, s) == 0);
  return v;
}

TEST_CASE("tcp6: ICMPv6 errors: port unreachable in SYN-SENT is ECONNREFUSED, address unreachable later a soft error (Linux tcp_v6_err)") {
  SUBCASE("port unreachable ends the connect") {
    TcpHost6 h;
    Socket* c = tcp6_socket(h.st);
    REQUIRE(soconnect(*c, sin6(kPeer, 80), Td{}) == 0);
    const Pkt syn = h.out.at(0);
    h.out.clear();
    h.inject(icmp6_about(wire::ICMP6_DST_UNREACH_, 4, 0, syn));
    CHECK(c->so_error == ECONNREFUSED);
    CHECK(test::tstate(*c) == TcpState::CLOSED);
    CHECK(h.g().conn6.empty());
    // Not as the soft error too (Linux tcp_v6_err on a socket not owned
    // by the user): SO_ERROR reads it once.
    CHECK(so_error_read(*c) == ECONNREFUSED);
    CHECK(so_error_read(*c) == 0);
    // The source address stays until a connect reports the failure
    // (SO_ERROR took the error: ECONNABORTED), then goes; the port stays.
    const uint16_t port = name6(*c, false).sin6_port;
    CHECK(!wire::in6_is_unspecified(addr_of(name6(*c, false))));
    CHECK(soconnect_failed(*c) == ECONNABORTED);
    CHECK(wire::in6_is_unspecified(addr_of(name6(*c, false))));
    CHECK(name6(*c, false).sin6_port == port);
    CHECK(port != 0);
    soclose(*c);
  }
  SUBCASE("address unreachable during SYN-SENT ends the connect too") {
    TcpHost6 h;
    Socket* c = tcp6_socket(h.st);
    REQUIRE(soconnect(*c, sin6(kFar, 80), Td{}) == 0);
    const Pkt syn = h.out.at(0);
    h.inject(icmp6_about(wire::ICMP6_DST_UNREACH_, 3, 0, syn));
    CHECK(c->so_error == EHOSTUNREACH);
    CHECK(test::tstate(*c) == TcpState::CLOSED);
    soclose(*c);
  }
  SUBCASE("on an established connection: soft, reported when it times out") {
    TcpHost6 h;
    Peer6 p(h, 80, 0);
    Socket* c = connect6(h, p);
    REQUIRE(test::tcp_send_str(*c, "data") == 0);
    const Pkt seg = h.out.at(0);
    h.out.clear();
    h.inject(icmp6_about(wire::ICMP6_DST_UNREACH_, 3, 0, seg));
    CHECK(c->so_error == 0);
    CHECK(test::tstate(*c) == TcpState::ESTABLISHED);
    CHECK(test::tcb(*c)->t_softerror == EHOSTUNREACH);
    // SO_ERROR reads the soft error once (Linux sk_err_soft); the timeout
    // still reports it (t_softerror).
    CHECK(so_error_read(*c) == EHOSTUNREACH);
    CHECK(so_error_read(*c) == 0);
    // Nothing is acknowledged: the retransmissions run out, and the error
    // reported is the ICMP one (Linux sk_err_soft).
    for (int i = 0; i < 2000 && test::tstate(*c) != TcpState::CLOSED; ++i) h.advance(1s);
    CHECK(test::tstate(*c) == TcpState::CLOSED);
    CHECK(c->so_error == EHOSTUNREACH);
    soclose(*c);
  }
  SUBCASE("an error quoting a connection we do not have is ignored") {
    TcpHost6 h;
    Peer6 p(h, 80, 0);
    Socket* c = connect6(h, p);
    REQUIRE(test::tcp_send_str(*c, "data") == 0);
    Pkt seg = h.out.at(0);
    wire::put16(&seg[40 + 2], 81);  // another destination port
    h.inject(icmp6_about(wire::ICMP6_DST_UNREACH_, 4, 0, seg));
    CHECK(test::tcb(*c)->t_softerror == 0);
    CHECK(test::tstate(*c) == TcpState::ESTABLISHED);
    soclose(*c);
  }
}

TEST_CASE("tcp6: TIME-WAIT over IPv6: the active closer ACKs the FIN, re-ACKs a retransmitted one, and is gone after 60 s") {
  TcpHost6 h;
  Socket* l = tcp6_listener(h.st, 80);
  Peer6 p(h, 40005, 80);
  Socket* s = accept6(h, p, *l);
  REQUIRE(soclose(*s) == 0);
  Seg6 fin = p.take();
  CHECK(fin.tcp.flags == (TH_FIN | TH_ACK));
  p.send(TH_ACK);
  CHECK(h.out.empty());
  p.send(TH_ACK | TH_FIN);
  Seg6 ack = p.take();
  CHECK(ack.tcp.flags == TH_ACK);
  CHECK(ack.tcp.ack == p.snd_nxt);
  REQUIRE(h.g().conn6.size() == 1);
  const InPcb* tw = h.g().conn6.begin()->second;
  CHECK(tw->inp_tcpcb->t_state == TcpState::TIME_WAIT);
  // The peer did not hear the ACK: its FIN again is acknowledged again.
  p.snd_nxt -= 1;
  h.advance(10s);
  p.send(TH_ACK | TH_FIN);
  Seg6 again = p.take();
  CHECK(again.tcp.flags == TH_ACK);
  CHECK(again.tcp.ack == p.snd_nxt);
  h.advance(59s);
  CHECK(h.g().conn6.size() == 1);
  h.advance(2s);
  CHECK(h.g().conn6.empty());
  // A SYN for the old 4-tuple is now refused.
  p.send_syn(1);
  CHECK(p.take().tcp.flags == (TH_SYN | TH_ACK));  // the listener is still there
  soclose(*l);
}
