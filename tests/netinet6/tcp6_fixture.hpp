// Test support for TCP over IPv6: a capture host with inet and inet6 on
// "tun0" (2001:db8::1/64, fe80::1/64, 198.18.0.1/24), a builder for
// IPv6 + TCP segments (RFC 8200 §8.1 checksum), a parser for what the stack
// sends, a small scripted peer keeping its own sequence state, and
// AF_INET6 socket helpers. Addresses: 2001:db8::/32 and 198.18.0.0/15.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>
#include <vector>

#include "netinet/tcp_pair.hpp"
#include "netinet/tcp_var.hpp"
#include "netinet6/in6_var.hpp"
#include "netinet6/inet6_fixture.hpp"
#include "wire/tcp.hpp"

namespace tunsock::test6 {

inline constexpr uint32_t kUs4 = 0xc6120001;    // 198.18.0.1
inline constexpr uint32_t kPeer4 = 0xc6120002;  // 198.18.0.2

// A Host6 with inet attached too (TCP's tables live there) and an IPv4
// address on tun0.
struct TcpHost6 : Host6 {
  explicit TcpHost6(uint64_t seed = 1, uint32_t mtu = 1500, bool defrt = true) : Host6(seed, mtu, defrt) {
    REQUIRE(in_add_address(*tun, kUs4, 24) == 0);
  }
  TcpStat& ts() { return tcp_globals(inet(st)).stat; }
  TcpGlobals& g() { return tcp_globals(inet(st)); }
};

// IPv6 + TCP: header t (data offset and checksum computed) and payload.
inline Pkt tcp6_pkt(const In6& src, const In6& dst, const wire::TcpRepr& t, const Pkt& payload = {},
                    bool bad_sum = false, uint8_t hlim = 64) {
  Pkt seg(size_t(wire::kTcpHdrLen) + wire::tcp_options_len(t.opts) + payload.size());
  const size_t hlen = wire::tcp_emit(seg.data(), t);
  std::copy(payload.begin(), payload.end(), seg.begin() + long(hlen));
  uint16_t sum = wire::cksum_finish(wire::cksum_add(wire::pseudo_sum6(src, dst, uint32_t(seg.size()), 6), seg));
  if (bad_sum) sum ^= 0x0101;
  wire::tcp_set_cksum(seg.data(), sum);
  return ip6(src, dst, 6, seg, hlim);
}

// A TCP segment the stack sent over IPv6.
struct Seg6 {
  wire::Ip6Repr ip;
  wire::TcpRepr tcp;
  Pkt payload;
  bool sum_ok = false;
  size_t size = 0;  // the whole packet
};

inline std::optional<Seg6> seg6_parse(const Pkt& p) {
  auto ip = wire::ip6_parse(p);
  if (!ip || ip->nxt != 6) return std::nullopt;
  const Pkt rest(p.begin() + 40, p.end());
  auto th = wire::tcp_parse(rest);
  if (!th) return std::nullopt;
  Seg6 s;
  s.ip = *ip;
  s.tcp = *th;
  s.payload.assign(rest.begin() + th->hlen, rest.end());
  s.sum_ok = wire::cksum_finish(wire::cksum_add(wire::pseudo_sum6(ip->src, ip->dst, uint32_t(rest.size()), 6), rest)) == 0;
  s.size = p.size();
  return s;
}

// The peer at addr:port talking to the stack's saddr:sport over tun0.
struct Peer6 {
  TcpHost6& h;
  In6 addr, saddr;
  uint16_t port, sport;
  uint32_t snd_nxt = 1000, rcv_nxt = 0;
  uint16_t win = 65535;
  Peer6(TcpHost6& host, uint16_t p, uint16_t sp, In6 a = kPeer, In6 sa = kUs)
      : h(host), addr(a), saddr(sa), port(p), sport(sp) {}
  wire::TcpRepr make(uint8_t flags) const {
    wire::TcpRepr t;
    t.sport = port;
    t.dport = sport;
    t.seq = snd_nxt;
    t.ack = (flags & wire::TH_ACK) ? rcv_nxt : 0;
    t.flags = flags;
    t.win = win;
    return t;
  }
  void send(const wire::TcpRepr& t, const Pkt& payload = {}, bool bad_sum = false) {
    h.inject(tcp6_pkt(addr, saddr, t, payload, bad_sum));
    if (t.seq == snd_nxt && !bad_sum)
      snd_nxt += uint32_t(payload.size()) + ((t.flags & wire::TH_SYN) ? 1 : 0) + ((t.flags & wire::TH_FIN) ? 1 : 0);
  }
  void send(uint8_t flags, const Pkt& payload = {}) { send(make(flags), payload); }
  // A SYN with MSS 1440 (a 1500-byte IPv6 path) and no other option.
  void send_syn(uint32_t iss, uint16_t mss = 1440) {
    snd_nxt = iss;
    wire::TcpRepr t = make(wire::TH_SYN);
    t.opts.mss = mss;
    send(t);
  }
  // The next packet the stack sent: a TCP segment over IPv6 with a right
  // checksum (REQUIRE'd); rcv_nxt follows it.
  Seg6 take() {
    REQUIRE(!h.out.empty());
    Pkt p = h.out.front();
    h.out.erase(h.out.begin());
    auto s = seg6_parse(p);
    REQUIRE(s);
    CHECK(s->sum_ok);
    CHECK(s->ip.src == saddr);
    CHECK(s->ip.dst == addr);
    const uint32_t len = uint32_t(s->payload.size()) + ((s->tcp.flags & wire::TH_SYN) ? 1 : 0) +
                         ((s->tcp.flags & wire::TH_FIN) ? 1 : 0);
    if (s->tcp.flags & wire::TH_SYN) rcv_nxt = s->tcp.seq + len;
    else if (len && s->tcp.seq == rcv_nxt) rcv_nxt += len;
    return *s;
  }
};

inline SockAddr sin6(const In6& a, uint16_t port) {
  SockAddr s;
  in6_sockaddr(a, port, &s);
  return s;
}
inline SockAddr sin6_mapped(uint32_t a, uint16_t port) { return sin6(in6_mapped(a), port); }

inline Socket* tcp6_socket(Stack& st) {
  Socket* so = nullptr;
  REQUIRE(socreate(st, AF_INET6, &so, SOCK_STREAM, 0, Td{}) == 0);
  return so;
}
inline Socket* tcp4_socket(Stack& st) {
  Socket* so = nullptr;
  REQUIRE(socreate(st, AF_INET, &so, SOCK_STREAM, 0, Td{}) == 0);
  return so;
}

// An AF_INET6 listener on [addr]:port (v6only: IPV6_V6ONLY first).
inline Socket* tcp6_listener(Stack& st, uint16_t port, const In6& addr = In6{}, bool v6only = false) {
  Socket* l = tcp6_socket(st);
  REQUIRE(test::setopt_int(*l, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  if (v6only) REQUIRE(test::setopt_int(*l, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  REQUIRE(sobind(*l, sin6(addr, port), Td{}) == 0);
  REQUIRE(solisten(*l, 16, Td{}) == 0);
  return l;
}

inline sockaddr_in6 name6(Socket& so, bool peer) {
  SockAddr nam;
  REQUIRE((peer ? sogetpeername(so, &nam) : sogetsockname(so, &nam)) == 0);
  REQUIRE(nam.family() == AF_INET6);
  sockaddr_in6 s{};
  std::memcpy(&s, &nam.ss, sizeof s);
  return s;
}
inline In6 addr_of(const sockaddr_in6& s) {
  In6 a;
  std::memcpy(a.data(), &s.sin6_addr, 16);
  return a;
}

}  // namespace tunsock::test6
