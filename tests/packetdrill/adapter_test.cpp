// libtunsock-packetdrill's table driven directly, as packetdrill drives it,
// without packetdrill itself (so these run where ../shared is missing):
// packets through netdev_send/netdev_receive, the virtual clock, a blocking
// call woken by an injected packet, and --so_flags parsing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <doctest/doctest.h>

#include <thread>

#include "netinet/inet_fixture.hpp"
#include "packetdrill/pd_host.hpp"
#include "packetdrill/pd_interface.hpp"

extern "C" void packetdrill_interface_init(const char* flags, tunsock::pd::Interface* ifc);

namespace tunsock::test {
namespace {

constexpr uint32_t kLocal = 0xc6120001;   // 198.18.0.1
constexpr uint32_t kRemote = 0xc6130001;  // 198.19.0.1

struct Drill {
  pd::Interface t{};
  Drill() { packetdrill_interface_init("ip=198.18.0.1/16", &t); }
  ~Drill() { t.free(t.userdata); }
  void* u() { return t.userdata; }
  // The next packet the stack sends, and when (us of the virtual clock).
  Pkt take(long long* when = nullptr) {
    Pkt p(65536);
    size_t n = p.size();
    long long at = 0;
    REQUIRE(t.netdev_receive(u(), p.data(), &n, &at) == 0);
    p.resize(n);
    if (when) *when = at;
    return p;
  }
  long long now() {
    timeval tv{};
    t.gettimeofday(u(), &tv, nullptr);
    return tv.tv_sec * 1'000'000LL + tv.tv_usec;
  }
};

sockaddr_in sa(uint32_t a, uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_addr.s_addr = htonl(a);
  s.sin_port = htons(port);
  return s;
}

int udp_connected(Drill& d) {
  int fd = d.t.socket(d.u(), AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  REQUIRE(fd >= 0);
  sockaddr_in me = sa(kLocal, 8080), peer = sa(kRemote, 9090);
  REQUIRE(d.t.bind(d.u(), fd, reinterpret_cast<sockaddr*>(&me), sizeof me) == 0);
  REQUIRE(d.t.connect(d.u(), fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == 0);
  return fd;
}

TEST_CASE("adapter: a UDP datagram each way through netdev_receive and netdev_send") {
  Drill d;
  int fd = udp_connected(d);
  CHECK(d.t.write(d.u(), fd, "ping", 4) == 4);
  Pkt out = d.take();
  auto ip = wire::ipv4_parse(wire::Bytes(out.data(), out.size()));
  REQUIRE(ip);
  CHECK(ip->src == kLocal);
  CHECK(ip->dst == kRemote);  // by the default route out of pd0
  CHECK(ip->proto == 17);
  CHECK(out.size() == 20 + 8 + 4);
  Pkt in = udp_pkt(kRemote, 9090, kLocal, 8080, bytes_of("pong!"));
  CHECK(d.t.netdev_send(d.u(), in.data(), in.size()) == 0);
  char buf[16] = {};
  CHECK(d.t.read(d.u(), fd, buf, sizeof buf) == 5);
  CHECK(std::string(buf, 5) == "pong!");
  CHECK(d.t.fcntl(d.u(), fd, F_SETFL, O_NONBLOCK) == 0);
  errno = 0;
  CHECK(d.t.read(d.u(), fd, buf, sizeof buf) == -1);
  CHECK(errno == EAGAIN);
  CHECK(d.t.close(d.u(), fd) == 0);
  errno = 0;
  CHECK(d.t.close(d.u(), fd) == -1);
  CHECK(errno == EBADF);
}

TEST_CASE("adapter: a blocking read on another thread returns what a later packet brings") {
  Drill d;
  int fd = udp_connected(d);
  ssize_t got = -2;
  char buf[16] = {};
  std::thread reader([&] { got = d.t.read(d.u(), fd, buf, sizeof buf); });
  // Whether the reader is asleep yet or not, netdev_send lets it finish.
  Pkt in = udp_pkt(kRemote, 9090, kLocal, 8080, bytes_of("late"));
  CHECK(d.t.netdev_send(d.u(), in.data(), in.size()) == 0);
  reader.join();
  CHECK(got == 4);
  CHECK(std::string(buf, 4) == "late");
}

TEST_CASE("adapter: netdev_receive moves the virtual clock to the next timer (SYN retransmissions 1 s, 2 s)") {
  Drill d;
  int fd = d.t.socket(d.u(), AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
  REQUIRE(fd >= 0);
  sockaddr_in peer = sa(kRemote, 8080);
  errno = 0;
  CHECK(d.t.connect(d.u(), fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == -1);
  CHECK(errno == EINPROGRESS);
  long long t0 = 0, t1 = 0, t2 = 0;
  Pkt syn = d.take(&t0);
  CHECK(d.take(&t1).size() == syn.size());  // the SYN again (its TSval moves on)
  CHECK(d.take(&t2).size() == syn.size());
  CHECK(t1 - t0 == 1'000'000);
  CHECK(t2 - t1 == 2'000'000);
  CHECK(d.now() >= t2);
  errno = 0;
  CHECK(d.t.connect(d.u(), fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == -1);
  CHECK(errno == EALREADY);
}

TEST_CASE("adapter: usleep fires the timers that fall due, stamping each packet with its own time") {
  Drill d;
  int fd = d.t.socket(d.u(), AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
  sockaddr_in peer = sa(kRemote, 8080);
  d.t.connect(d.u(), fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer);
  long long t0 = 0, t1 = 0, t2 = 0;
  d.take(&t0);
  CHECK(d.t.usleep(d.u(), 3'500'000) == 0);
  CHECK(d.now() - t0 >= 3'500'000);
  d.take(&t1);
  d.take(&t2);
  CHECK(t1 - t0 == 1'000'000);
  CHECK(t2 - t0 == 3'000'000);
}

TEST_CASE("adapter: --so_flags") {
  pd::Config c;
  std::string err;
  CHECK(pd::parse_flags("ip=198.18.0.1/16,gw=198.18.0.9,mtu=1400,seed=7", &c, &err));
  CHECK(c.addr == kLocal);
  CHECK(c.plen == 16);
  CHECK(c.gateway == 0xc6120009);
  CHECK(c.mtu == 1400);
  CHECK(c.seed == 7);
  CHECK_FALSE(pd::parse_flags("ip=198.18.0.1/16,colour=blue", &c, &err));
  CHECK(err.find("unknown key 'colour'") != std::string::npos);
  CHECK_FALSE(pd::parse_flags("mtu=1500", &c, &err));
  CHECK(err.find("ip=ADDR/PREFIX is required") != std::string::npos);
  CHECK_FALSE(pd::parse_flags("ip=198.18.0.1/40", &c, &err));
  CHECK_FALSE(pd::parse_flags("ip=198.18.0.1/16,mtu=12", &c, &err));
  CHECK_FALSE(pd::parse_flags("ip=198.18.0.1/16,gw", &c, &err));
  CHECK(err.find("not key=value") != std::string::npos);
}

}  // namespace
}  // namespace tunsock::test
namespace tunsock::test {
TEST_CASE("adapter: a poll timeout on another thread ends when usleep passes it") {
  Drill d;
  int fd = udp_connected(d);
  int got = -2;
  long long t0 = d.now(), t1 = 0;  // t1: read after poll returns (its exact end: udp_poll_timeout.pkt)
  std::thread poller([&] {
    pollfd p{fd, POLLIN, 0};
    got = d.t.poll(d.u(), &p, 1, 500);
    t1 = d.now();
  });
  // The poll must be asleep before the clock moves (bounded wait).
  auto& host = *static_cast<pd::Host*>(d.u());
  for (int i = 0; i < 10'000'000 && host.waiting() == 0; ++i) std::this_thread::yield();
  REQUIRE(host.waiting() == 1);
  d.t.usleep(d.u(), 600'000);
  poller.join();
  CHECK(got == 0);
  // Exactly at its deadline (+ the microsecond each gettimeofday moves the
  // clock), never at the 600 ms usleep moved on to: the poll's thread reads
  // the clock before time moves past the poll's end (udp_poll_timeout.pkt).
  CHECK(t1 - t0 >= 500'000);
  CHECK(t1 - t0 <= 500'010);
}
}  // namespace tunsock::test
