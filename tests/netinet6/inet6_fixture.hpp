// Test support for the inet6 layers: a Stack with only the inet6 domain on
// a capture interface ("tun0": 2001:db8::1/64 and fe80::1/64, default
// gateway fe80::ff) whose output the test reads, packet builders for IPv6
// with extension headers, fragments and ICMPv6, and a fake protocol that
// records what the table hands it. Addresses: 2001:db8::/32 and fe80::/64.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "kern/stack.hpp"
#include "net/if.hpp"
#include "netinet6/in6.hpp"
#include "netinet6/in6_var.hpp"
#include "wire/ip6_hdr.hpp"

namespace tunsock::test6 {

using Pkt = std::vector<std::byte>;
using wire::In6;

// (No REQUIRE: the constants below are made before any test runs.)
inline In6 a6(const char* s) { return wire::ip6_pton(s).value_or(In6{}); }

inline const In6 kUs = a6("2001:db8::1");
inline const In6 kUsLL = a6("fe80::1");
inline const In6 kPeer = a6("2001:db8::2");
inline const In6 kPeerLL = a6("fe80::2");
inline const In6 kGw = a6("fe80::ff");
inline const In6 kFar = a6("2001:db8:ffff::9");
inline const In6 kAllNodes = a6("ff02::1");
inline const In6 kGroup = a6("ff02::1:2");

inline Pkt bytes(std::initializer_list<int> v) {
  Pkt p;
  for (int b : v) p.push_back(std::byte(b));
  return p;
}
inline Pkt bytes(const std::string& s) {
  Pkt p;
  for (char c : s) p.push_back(std::byte(c));
  return p;
}
inline Pkt cat(std::initializer_list<Pkt> parts) {
  Pkt p;
  for (auto& x : parts) p.insert(p.end(), x.begin(), x.end());
  return p;
}

// An IPv6 packet: header then rest (extension headers and upper layer),
// payload length right.
inline Pkt ip6(const In6& src, const In6& dst, uint8_t nxt, const Pkt& rest, uint8_t hlim = 64) {
  Pkt p(40 + rest.size());
  wire::Ip6Repr r;
  r.plen = uint16_t(rest.size());
  r.nxt = nxt;
  r.hlim = hlim;
  r.src = src;
  r.dst = dst;
  wire::ip6_emit(p.data(), r);
  std::copy(rest.begin(), rest.end(), p.begin() + 40);
  return p;
}

// Hop-by-hop / destination options header: opts padded with PadN (or
// Pad1) to a multiple of 8.
inline Pkt opthdr(uint8_t nxt, Pkt opts) {
  size_t len = 2 + opts.size();
  size_t pad = (8 - len % 8) % 8;
  if (pad == 1) opts.push_back(std::byte(0));
  else if (pad >= 2) {
    opts.push_back(std::byte(1));
    opts.push_back(std::byte(pad - 2));
    for (size_t i = 0; i < pad - 2; ++i) opts.push_back(std::byte(0));
  }
  Pkt h(2 + opts.size());
  h[0] = std::byte(nxt);
  h[1] = std::byte((2 + opts.size()) / 8 - 1);
  std::copy(opts.begin(), opts.end(), h.begin() + 2);
  return h;
}

// Routing header of the given type with n addresses (zeros).
inline Pkt routing(uint8_t nxt, uint8_t type, uint8_t segleft, int n = 1) {
  Pkt h(8 + 16 * size_t(n));
  h[0] = std::byte(nxt);
  h[1] = std::byte(2 * n);
  h[2] = std::byte(type);
  h[3] = std::byte(segleft);
  return h;
}

inline Pkt fraghdr(uint8_t nxt, uint16_t off, bool more, uint32_t id) {
  Pkt h(8);
  wire::ip6_frag_emit(h.data(), wire::Ip6FragView{nxt, off, more, id});
  return h;
}

// An ICMPv6 message with its checksum for src -> dst.
inline Pkt icmp6(const In6& src, const In6& dst, uint8_t type, uint8_t code, uint32_t rest, const Pkt& data) {
  Pkt m(8 + data.size());
  m[0] = std::byte(type);
  m[1] = std::byte(code);
  wire::put32(&m[4], rest);
  std::copy(data.begin(), data.end(), m.begin() + 8);
  wire::put16(&m[2], wire::cksum_finish(wire::cksum_add(wire::pseudo_sum6(src, dst, uint32_t(m.size()), 58), m)));
  return m;
}

inline Pkt echo_req(const In6& src, const In6& dst, uint16_t id, uint16_t seq, const Pkt& data) {
  return ip6(src, dst, 58, icmp6(src, dst, 128, 0, (uint32_t(id) << 16) | seq, data));
}

inline Pkt pattern(size_t n) {
  Pkt p(n);
  for (size_t i = 0; i < n; ++i) p[i] = std::byte(i * 7 + 3);
  return p;
}

// A parsed packet the stack sent.
struct Out6 {
  wire::Ip6Repr ip;
  Pkt rest;  // after the 40-byte header
  uint8_t type() const { return uint8_t(rest.at(0)); }
  uint8_t code() const { return uint8_t(rest.at(1)); }
  uint32_t info() const { return wire::get32(&rest.at(4)); }
  Pkt quoted() const { return Pkt(rest.begin() + 8, rest.end()); }
  bool sum_ok() const {
    return wire::cksum_finish(wire::cksum_add(wire::pseudo_sum6(ip.src, ip.dst, uint32_t(rest.size()), ip.nxt), rest)) == 0;
  }
};

inline Out6 parse(const Pkt& p) {
  auto ip = wire::ip6_parse(p);
  REQUIRE(ip);
  return Out6{*ip, Pkt(p.begin() + 40, p.end())};
}

// A stack with "tun0" whose transmitted packets land in out.
struct Host6 {
  std::vector<Pkt> out;
  Stack st;
  ifnet* tun = nullptr;
  explicit Host6(uint64_t seed = 1, uint32_t mtu = 1500, bool defrt = true) : st(seed) {
    inet6_attach(st);
    tun = &if_attach(st, "tun0", mtu, IFF_POINTOPOINT, [this](ifnet&, mbuf* m) {
      Pkt p(size_t(m_length(m)));
      m_copydata(m, 0, int(p.size()), p.data());
      out.push_back(p);
      m_freem(m);
      return 0;
    });
    REQUIRE(in6_add_address(*tun, kUs, 64) == 0);
    REQUIRE(in6_add_address(*tun, kUsLL, 64) == 0);
    if (defrt) REQUIRE(route6_set_default(st, kGw) == 0);
  }
  Inet6& in6() { return inet6(st); }
  Ip6Stat& s() { return in6().ip6stat; }
  Icmp6Stat& c() { return in6().icmp6stat; }
  void inject(const Pkt& p) { if_input_bytes(*tun, p.data(), p.size()); }
  void advance(Time dt) { st.poll(st.now() + dt); }
  Out6 take() {
    REQUIRE(!out.empty());
    Pkt p = out.front();
    out.erase(out.begin());
    return parse(p);
  }
};

// A fake protocol (RFC 3692 experimental number 253) recording what the
// inet6 protocol table gives it.
inline constexpr uint8_t kExp = 253;
struct FakeSeen {
  std::vector<Pkt> input;   // whole packet as handed over
  std::vector<int> off;     // where its header starts
  std::vector<Ip6CtlParam> ctl;
  std::vector<Pkt> ctl_quoted;
};
inline FakeSeen& fake_seen() {
  static FakeSeen s;
  return s;
}
inline void fake_input(Inet6&, mbuf* m, int off, const wire::Ip6Repr&) {
  Pkt p(size_t(m_length(m)));
  m_copydata(m, 0, int(p.size()), p.data());
  fake_seen().input.push_back(p);
  fake_seen().off.push_back(off);
  m_freem(m);
}
inline void fake_ctlinput(Inet6&, const Ip6CtlParam& p) {
  fake_seen().ctl.push_back(p);
  fake_seen().ctl_quoted.emplace_back(p.quoted.begin(), p.quoted.end());
}
inline void fake_register(Host6& h) {
  fake_seen() = {};
  ip6_protox_register(h.in6(), kExp, {fake_input, fake_ctlinput});
}

}  // namespace tunsock::test6
