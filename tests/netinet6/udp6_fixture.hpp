// Test support for UDP over IPv6 and dual-stack sockets: Host6 with inet
// attached too (tun0 also holds 198.18.0.1/24, gateway 198.18.0.254),
// UDP/UDP-Lite packet builders for both families, socket helpers over the
// so* calls, and a reader of cmsgs. Addresses: 2001:db8::/32, 198.18.0.0/15.
#pragma once

#include <arpa/inet.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "kern/socket.hpp"
#include "netinet/in_var.hpp"
#include "netinet6/inet6_fixture.hpp"

namespace tunsock::test6 {

inline constexpr uint32_t kUs4 = 0xc6120001;    // 198.18.0.1
inline constexpr uint32_t kPeer4 = 0xc6120002;  // 198.18.0.2
inline constexpr uint32_t kGw4 = 0xc61200fe;    // 198.18.0.254

// A Host6 whose stack has inet too, as the daemon's has.
struct Dual : Host6 {
  explicit Dual(uint64_t seed = 1, uint32_t mtu = 1500) : Host6(seed, mtu) {
    inet_attach(st);
    REQUIRE(in_add_address(*tun, kUs4, 24) == 0);
    REQUIRE(route_set_default(st, kGw4) == 0);
  }
  Inet& in() { return inet(st); }
};

// UDP or UDP-Lite (proto 136) header + data with its RFC 8200 §8.1
// checksum; lenfield < 0: the length (UDP) or full coverage (0, UDP-Lite).
inline Pkt udp6(const In6& src, uint16_t sport, const In6& dst, uint16_t dport, const Pkt& data, uint8_t proto = 17,
                int lenfield = -1, bool sum = true) {
  Pkt u(8 + data.size());
  wire::put16(&u[0], sport);
  wire::put16(&u[2], dport);
  const int lf = lenfield >= 0 ? lenfield : proto == 17 ? int(u.size()) : 0;
  wire::put16(&u[4], uint16_t(lf));
  std::copy(data.begin(), data.end(), u.begin() + 8);
  if (sum) {
    const size_t cov = proto == 17 || lf == 0 ? u.size() : size_t(lf);
    uint32_t s = wire::pseudo_sum6(src, dst, uint32_t(u.size()), proto);
    s = wire::cksum_add(s, std::span<const std::byte>(u.data(), cov));
    uint16_t c = wire::cksum_finish(s);
    wire::put16(&u[6], c == 0 ? 0xffff : c);
  }
  return u;
}
inline Pkt udp6_pkt(const In6& src, uint16_t sport, const In6& dst, uint16_t dport, const Pkt& data,
                    uint8_t hlim = 64) {
  return ip6(src, dst, 17, udp6(src, sport, dst, dport, data), hlim);
}

// An IPv4 UDP datagram (20-byte header).
inline Pkt ip4_udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const Pkt& data) {
  Pkt u(8 + data.size());
  wire::put16(&u[0], sport);
  wire::put16(&u[2], dport);
  wire::put16(&u[4], uint16_t(u.size()));
  std::copy(data.begin(), data.end(), u.begin() + 8);
  uint16_t c = wire::cksum_finish(wire::cksum_add(wire::pseudo_sum(src, dst, 17, uint16_t(u.size())), u));
  wire::put16(&u[6], c == 0 ? 0xffff : c);
  Pkt p(20 + u.size());
  wire::Ipv4Repr r;
  r.total_len = uint16_t(p.size());
  r.id = 7;
  r.ttl = 64;
  r.proto = 17;
  r.src = src;
  r.dst = dst;
  wire::ipv4_emit(p.data(), r);
  std::copy(u.begin(), u.end(), p.begin() + 20);
  return p;
}

inline Socket* mk6(Stack& st, int proto = 0, int* err = nullptr, int fam = AF_INET6, int type = SOCK_DGRAM) {
  Socket* so = nullptr;
  int e = socreate(st, fam, &so, type, proto, Td{});
  if (err) *err = e;
  else REQUIRE(e == 0);
  return so;
}

inline SockAddr sa6(const In6& a, uint16_t port = 0, uint32_t scope = 0) {
  sockaddr_in6 s{};
  s.sin6_family = AF_INET6;
  s.sin6_port = htons(port);
  std::memcpy(&s.sin6_addr, a.data(), 16);
  s.sin6_scope_id = scope;
  return SockAddr::from(&s, sizeof s);
}
inline SockAddr sa4(uint32_t a, uint16_t port = 0) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  s.sin_addr.s_addr = htonl(a);
  return SockAddr::from(&s, sizeof s);
}
inline In6 mapped(uint32_t v4) { return in6_mapped(v4); }

inline int bind6(Socket& so, const SockAddr& a) { return sobind(so, a, Td{}); }
inline int connect6(Socket& so, const SockAddr& a) { return soconnect(so, a, Td{}); }

inline int setint(Socket& so, int level, int name, int v, size_t len = sizeof(int)) {
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = &v;
  s.sopt_valsize = len;
  return sosetopt(so, s);
}
// getsockopt of an int: the value, or the errno negated.
inline int getint(Socket& so, int level, int name) {
  int v = -12345;
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = &v;
  s.sopt_valsize = sizeof v;
  int e = sogetopt(so, s);
  return e ? -e : v;
}

// A cmsg-formatted control mbuf (one cmsg).
template <class T>
mbuf* cmsg(int level, int type, const T& v) {
  return in_cmsg(level, type, &v, sizeof v);
}

inline int send6(Socket& so, const Pkt& data, const SockAddr* to, mbuf* control = nullptr) {
  mbuf* m = data.empty() ? nullptr : m_devget(data.data(), int(data.size()), M_NOWAIT, true);
  return sosend(so, to, m, control, 0, Td{});
}

struct Cmsg {
  int level, type;
  Pkt data;
};
struct Rcvd {
  int err = 0;
  Pkt data;
  SockAddr from;
  int flags = 0;
  std::vector<Cmsg> cmsgs;
  sockaddr_in6 from6() const {
    sockaddr_in6 s{};
    std::memcpy(&s, &from.ss, sizeof s);
    return s;
  }
  In6 from_addr() const {
    In6 a;
    sockaddr_in6 s = from6();
    std::memcpy(a.data(), &s.sin6_addr, 16);
    return a;
  }
  uint16_t from_port() const { return ntohs(from6().sin6_port); }
  const Cmsg* find(int level, int type) const {
    for (auto& c : cmsgs)
      if (c.level == level && c.type == type) return &c;
    return nullptr;
  }
};

inline Rcvd recv6(Socket& so, int flags = 0) {
  Rcvd r;
  r.data.resize(65536);
  RecvArgs a;
  a.from = &r.from;
  a.buf = r.data.data();
  a.len = r.data.size();
  a.flags = flags;
  mbuf* control = nullptr;
  a.controlp = &control;
  r.err = (flags & MSG_ERRQUEUE) ? in_errqueue_receive(so, a) : soreceive(so, a);
  r.data.resize(a.done);
  r.flags = a.flags;
  for (mbuf* c = control; c; c = c->m_next) {
    cmsghdr h;
    std::memcpy(&h, c->m_data, sizeof h);
    Cmsg x{h.cmsg_level, h.cmsg_type, Pkt(c->m_data + CMSG_LEN(0), c->m_data + h.cmsg_len)};
    r.cmsgs.push_back(x);
  }
  m_freem(control);
  return r;
}

template <class T>
T as(const Pkt& p) {
  T v{};
  std::memcpy(&v, p.data(), std::min(p.size(), sizeof v));
  return v;
}

// The IPv4 packets the stack sent (version 4) among h.out, parsed.
inline std::optional<wire::Ipv4Repr> take4(Host6& h, Pkt* payload = nullptr) {
  for (size_t i = 0; i < h.out.size(); ++i) {
    if ((uint8_t(h.out[i][0]) >> 4) != 4) continue;
    Pkt p = h.out[i];
    h.out.erase(h.out.begin() + long(i));
    auto ip = wire::ipv4_parse(p);
    if (ip && payload) *payload = Pkt(p.begin() + ip->hlen, p.end());
    return ip;
  }
  return std::nullopt;
}

// A router on the link that sends ICMPv6 errors about what we sent.
inline const In6 kRouter = a6("2001:db8::fe");

// An ICMPv6 error from kRouter quoting what the stack sent.
inline Pkt icmp6_err(uint8_t type, uint8_t code, uint32_t info, const Pkt& quoted) {
  return ip6(kRouter, kUs, 58, icmp6(kRouter, kUs, type, code, info, quoted));
}

// A sent datagram as bytes again, IPv6 header first (what an error quotes).
inline Pkt raw(const Out6& o) {
  Pkt p(40);
  wire::ip6_emit(p.data(), o.ip);
  p.insert(p.end(), o.rest.begin(), o.rest.end());
  return p;
}

}  // namespace tunsock::test6
