// Interfaces: counters, text views, the packet trace hook, and two stacks
// talking UDP over the in-memory link with seeded loss, duplication,
// reordering and delay on one virtual clock.
#include <set>

#include "net/if_memlink.hpp"
#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

struct Pair {
  Stack a{11}, b{22};
  MemLink link;
  explicit Pair(MemLinkParams p) : link(p) {
    link.connect(a, "mem0", b, "mem0");
    REQUIRE(in_add_address(link.a(), 0x0a000001, 24) == 0);
    REQUIRE(in_add_address(link.b(), 0x0a000002, 24) == 0);
  }
  Time now() const { return a.now(); }
  void step(Time dt) {
    Time t = a.now() + dt;
    a.poll(t);
    b.poll(t);
  }
};

}  // namespace

TEST_CASE("link: interface counters and `ip -s link` text") {
  Host h;
  h.inject(udp_pkt(kPeer, 1, kUs, 9, bytes_of("x")));  // refused: one ICMP out
  CHECK(h.tun->if_data.rx_packets == 1);
  CHECK(h.tun->if_data.rx_bytes == 29);
  CHECK(h.tun->if_data.tx_packets == 1);
  CHECK(h.tun->if_data.tx_bytes == 57);
  std::string t = if_stats_text(*h.tun);
  CHECK(t.find("tun0: <POINTOPOINT,UP> mtu 1500") != std::string::npos);
  CHECK(t.find("inet 10.77.0.2/24") != std::string::npos);
  std::string s = inet_stats_text(h.st);
  CHECK(s.find("\t1 dropped due to no socket\n") != std::string::npos);
  CHECK(s.find("\t1 destination unreachable sent\n") != std::string::npos);
}

TEST_CASE("link: the trace hook sees every packet in tcpdump's format") {
  Host h;
  std::vector<std::string> lines;
  inet_set_packet_trace(h.st, [&](const ifnet& ifp, char dir, const mbuf* m) {
    Pkt p(size_t(std::min(m_length(m), 128)));
    m_copydata(m, 0, int(p.size()), p.data());
    lines.push_back(ifp.if_name + " " + dir + " " + wire::tcpdump_line(p));
  });
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(8, 0, 0x00030001, Pkt(56))));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "tun0 I IP 10.77.0.1 > 10.77.0.2: ICMP echo request, id 3, seq 1, length 64");
  CHECK(lines[1] == "tun0 O IP 10.77.0.2 > 10.77.0.1: ICMP echo reply, id 3, seq 1, length 64");
}

TEST_CASE("link: configuration errors and the loopback interface") {
  Stack st;
  inet_attach(st);
  ifnet* lo = if_loopback(st);
  REQUIRE(lo);
  CHECK(lo->if_name == "lo");
  CHECK(&inet_attach(st) == inet_of(st));
  CHECK(in_add_address(*lo, 0x7f000001, 8) == EEXIST);
  ifnet& t = if_attach(st, "t", 1500, 0, nullptr);
  CHECK(in_add_address(t, 0x0a000001, 33) == EINVAL);
  CHECK(if_find(st, "t") == &t);
  uint32_t a;
  CHECK(inet_pton4("10.77.0.2", &a));
  CHECK(a == kUs);
  CHECK(!inet_pton4("10.77.0", &a));
  CHECK(!inet_pton4("10.77.0.256", &a));
  CHECK(inet_ntop4(a) == "10.77.0.2");
}

TEST_CASE("link: two stacks exchange UDP over a clean link with delay") {
  MemLinkParams p;
  p.delay = std::chrono::milliseconds(10);
  Pair s(p);
  Socket* srv = mksock(s.b);
  REQUIRE(sobind(*srv, sin(0, 7), Td{}) == 0);
  Socket* cli = mksock(s.a);
  SockAddr to = sin(0x0a000002, 7);
  REQUIRE(send_to(*cli, bytes_of("hi"), &to) == 0);
  s.step(std::chrono::milliseconds(9));
  CHECK(recv_from(*srv).err == EWOULDBLOCK);
  s.step(std::chrono::milliseconds(1));
  Rcvd r = recv_from(*srv);
  CHECK(r.data == bytes_of("hi"));
  REQUIRE(send_to(*srv, bytes_of("ho"), &r.from) == 0);
  s.step(std::chrono::milliseconds(10));
  CHECK(recv_from(*cli).data == bytes_of("ho"));
  soclose(*srv);
  soclose(*cli);
}

TEST_CASE("link: UDP echo over a lossy, duplicating, reordering link, fragmented, for many seeds") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    MemLinkParams p;
    p.loss = 0.1;
    p.duplicate = 0.1;
    p.reorder = 0.2;
    p.delay = std::chrono::milliseconds(3);
    p.mtu = 576;
    p.seed = seed;
    Pair s(p);
    Socket* srv = mksock(s.b);
    REQUIRE(sobind(*srv, sin(0, 7), Td{}) == 0);
    Socket* cli = mksock(s.a);
    SockAddr to = sin(0x0a000002, 7);
    std::set<int> answered;
    int sent = 0;
    // The client sends one numbered datagram (1400 bytes: 3 fragments) every
    // 20 ms for 2 simulated seconds; the server echoes what arrives whole.
    for (int tick = 0; tick < 200; ++tick) {
      if (tick % 2 == 0 && sent < 100) {
        Pkt d(1400, std::byte(sent));
        wire::put16(d.data(), uint16_t(sent));
        REQUIRE(send_to(*cli, d, &to) == 0);
        ++sent;
      }
      s.step(std::chrono::milliseconds(10));
      for (Rcvd r = recv_from(*srv); r.err == 0; r = recv_from(*srv)) {
        REQUIRE(r.data.size() == 1400);
        uint16_t n = wire::get16(r.data.data());
        CHECK(r.data[1399] == std::byte(n & 0xff));
        REQUIRE(send_to(*srv, r.data, &r.from) == 0);
      }
      for (Rcvd r = recv_from(*cli); r.err == 0; r = recv_from(*cli)) answered.insert(wire::get16(r.data.data()));
    }
    s.step(std::chrono::seconds(31));  // reassembly queues time out
    CHECK(answered.size() > 20);        // ~ (0.9^3)^2 of 100 make the round trip
    CHECK(answered.size() <= 100);
    CHECK(inet(s.a).reass.empty());
    CHECK(inet(s.b).reass.empty());
    CHECK(s.link.stats().lost > 0);
    soclose(*srv);
    soclose(*cli);
  }
}

TEST_CASE("link: a stack destroyed with loopback packets still queued frees them") {
  mbuf_drain_thread_cache();
  uint64_t before = mbuf_stats().mbufs_in_use;
  {
    Host h;
    Socket* so = mksock(h.st);
    SockAddr to = sin(0x7f000001, 9);
    for (int i = 0; i < 5; ++i) REQUIRE(send_to(*so, bytes_of("pending"), &to) == 0);
    CHECK(h.st.callouts_pending() == 5);
  }
  CHECK(mbuf_stats().mbufs_in_use == before);
}
