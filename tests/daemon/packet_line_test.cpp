// The daemon's "ip" trace line: tcpdump's text of an mbuf chain, TCP numbers
// relative per conversation through the trace's TcpdumpTracker.
#include <doctest/doctest.h>

#include "daemon/inet_setup.hpp"
#include "kern/mbuf.hpp"
#include "wire/tcp.hpp"

using namespace tunsock;

namespace {

std::vector<std::byte> segment(uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags, size_t data) {
  wire::TcpRepr t;
  t.sport = sp;
  t.dport = dp;
  t.seq = seq;
  t.ack = ack;
  t.flags = flags;
  t.win = 502;
  t.opts.has_ts = true;
  t.opts.ts_val = 5;
  t.opts.ts_ecr = 4;
  std::vector<std::byte> p(20 + 32 + data);
  size_t hl = wire::tcp_emit(p.data() + 20, t);
  p.resize(20 + hl + data);
  wire::Ipv4Repr ip;
  ip.total_len = uint16_t(p.size());
  ip.proto = wire::IPPROTO_TCP_;
  ip.src = 0xc6120002;
  ip.dst = 0xc6120001;
  wire::ipv4_emit(p.data(), ip);
  return p;
}

std::string line(const std::vector<std::byte>& p, wire::TcpdumpTracker* t) {
  mbuf* m = m_devget(p.data(), int(p.size()), M_NOWAIT, true);
  REQUIRE(m);
  std::string s = daemon::packet_line(m, t);
  m_freem(m);
  return s;
}

}  // namespace

TEST_CASE("packet_line: TCP relative to its conversation with the trace's tracker, absolute without") {
  wire::TcpdumpTracker t;
  auto syn = segment(40000, 80, 1000, 0, wire::TH_SYN, 0);
  CHECK(line(syn, &t) == "IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [S], seq 1000, win 502, "
                         "options [nop,nop,TS val 5 ecr 4], length 0");
  auto ack = segment(40000, 80, 1001, 5001, wire::TH_ACK, 0);
  CHECK(line(ack, &t).find("Flags [.], ack 5001,") != std::string::npos);  // first with ACK: recorded
  auto data = segment(40000, 80, 1001, 5001, wire::TH_ACK | wire::TH_PUSH, 1000);
  CHECK(line(data, &t).find("Flags [P.], seq 0:1000, ack 1, win 502") != std::string::npos);
  CHECK(line(data, nullptr).find("Flags [P.], seq 1001:2001, ack 5001, win 502") != std::string::npos);
  // A long first line of text is still read whole (HTTP request line).
  std::string req = "GET /" + std::string(300, 'a') + " HTTP/1.1\r\n";
  auto get = segment(40000, 80, 1001, 5001, wire::TH_ACK | wire::TH_PUSH, req.size());
  std::memcpy(get.data() + get.size() - req.size(), req.data(), req.size());
  CHECK(line(get, nullptr).find(": HTTP: GET /aaa") != std::string::npos);
  CHECK(line(get, nullptr).find("[|http]") == std::string::npos);
}
