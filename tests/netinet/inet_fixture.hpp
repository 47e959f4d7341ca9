// Test support for the inet layers: a Stack on a capture interface
// ("tun0" 10.77.0.2/24, gateway 10.77.0.1) whose output the test reads,
// packet builders for IPv4/ICMP/UDP, and socket helpers over the so* calls.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "kern/socket.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "netinet/in_var.hpp"
#include "wire/ip.hpp"

namespace tunsock::test {

using Pkt = std::vector<std::byte>;

inline constexpr uint32_t kUs = 0x0a4d0002;    // 10.77.0.2
inline constexpr uint32_t kPeer = 0x0a4d0001;  // 10.77.0.1
inline constexpr uint32_t kFar = 0x08080808;   // 8.8.8.8

inline Pkt bytes_of(std::initializer_list<int> v) {
  Pkt p;
  for (int b : v) p.push_back(std::byte(b));
  return p;
}
inline Pkt bytes_of(const std::string& s) {
  Pkt p;
  for (char c : s) p.push_back(std::byte(c));
  return p;
}

// An IPv4 datagram around payload (20-byte header, checksum right).
inline Pkt ip_pkt(uint32_t src, uint32_t dst, uint8_t proto, const Pkt& payload, uint8_t ttl = 64,
                  uint16_t id = 0x1234, uint16_t frag = 0, uint8_t tos = 0) {
  Pkt p(20 + payload.size());
  wire::Ipv4Repr r;
  r.total_len = uint16_t(p.size());
  r.id = id;
  r.ttl = ttl;
  r.proto = proto;
  r.src = src;
  r.dst = dst;
  r.tos = tos;
  r.mf = frag & wire::IP_MF_;
  r.df = frag & wire::IP_DF_;
  r.frag_off = uint16_t((frag & wire::IP_OFFMASK_) * 8);
  wire::ipv4_emit(p.data(), r);
  std::copy(payload.begin(), payload.end(), p.begin() + 20);
  return p;
}

inline Pkt udp_seg(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const Pkt& data, bool sum = true) {
  Pkt u(8 + data.size());
  wire::put16(&u[0], sport);
  wire::put16(&u[2], dport);
  wire::put16(&u[4], uint16_t(u.size()));
  std::copy(data.begin(), data.end(), u.begin() + 8);
  if (sum) {
    uint16_t c = wire::cksum_finish(wire::cksum_add(wire::pseudo_sum(src, dst, 17, uint16_t(u.size())), u));
    wire::put16(&u[6], c == 0 ? 0xffff : c);
  }
  return u;
}

inline Pkt udp_pkt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const Pkt& data) {
  return ip_pkt(src, dst, 17, udp_seg(src, sport, dst, dport, data));
}

inline Pkt icmp_msg(uint8_t type, uint8_t code, uint32_t rest, const Pkt& data) {
  Pkt m(8 + data.size());
  m[0] = std::byte(type);
  m[1] = std::byte(code);
  wire::put32(&m[4], rest);
  std::copy(data.begin(), data.end(), m.begin() + 8);
  wire::put16(&m[2], wire::cksum(m));
  return m;
}

inline Pkt flat(const mbuf* m) {
  Pkt p(size_t(m_length(m)));
  m_copydata(m, 0, int(p.size()), p.data());
  return p;
}

// A stack with "tun0" whose transmitted packets land in out.
struct Host {
  // Declared before the Stack so that it outlives it: tearing a Stack down
  // closes its TCP connections, which still send (RST, FIN) through tun.
  std::vector<Pkt> out;
  Stack st;
  ifnet* tun = nullptr;
  explicit Host(uint64_t seed = 1, uint32_t mtu = 1500) : st(seed) {
    inet_attach(st);
    tun = &if_attach(st, "tun0", mtu, IFF_POINTOPOINT, [this](ifnet&, mbuf* m) {
      out.push_back(flat(m));
      m_freem(m);
      return 0;
    });
    REQUIRE(in_add_address(*tun, kUs, 24) == 0);
    REQUIRE(route_set_default(st, kPeer) == 0);
  }
  Inet& in() { return inet(st); }
  void inject(const Pkt& p) { if_input_bytes(*tun, p.data(), p.size()); }
  void advance(Time dt) { st.poll(st.now() + dt); }
  void run() { st.poll(st.now()); }  // deliver loopback / zero-delay callouts
  Pkt take() {
    REQUIRE(!out.empty());
    Pkt p = out.front();
    out.erase(out.begin());
    return p;
  }
};

inline SockAddr sin(uint32_t a, uint16_t port) {
  SockAddr s;
  in_sockaddr(a, port, &s);
  return s;
}

inline Socket* mksock(Stack& st, int type = SOCK_DGRAM, int proto = 0) {
  Socket* so = nullptr;
  REQUIRE(socreate(st, AF_INET, &so, type, proto, Td{}) == 0);
  return so;
}

inline int send_to(Socket& so, const Pkt& data, const SockAddr* to) {
  mbuf* m = data.empty() ? nullptr : m_devget(data.data(), int(data.size()), M_NOWAIT, true);
  return sosend(so, to, m, nullptr, 0, Td{});
}

struct Rcvd {
  int err = 0;
  Pkt data;
  SockAddr from;
  int flags = 0;
  size_t full = 0;
  std::vector<std::pair<int, int>> cmsgs;  // level, type
  std::vector<Pkt> cmsg_data;
};

inline Rcvd recv_from(Socket& so, size_t len = 65536, int flags = 0) {
  Rcvd r;
  r.data.resize(len);
  mbuf* ctl = nullptr;
  RecvArgs a;
  a.from = &r.from;
  a.buf = r.data.data();
  a.len = len;
  a.controlp = &ctl;
  a.flags = flags;
  r.err = (flags & MSG_ERRQUEUE) ? in_errqueue_receive(so, a) : soreceive(so, a);
  r.data.resize(a.done);
  r.flags = a.flags;
  r.full = a.full;
  for (mbuf* c = ctl; c; c = c->m_next) {
    cmsghdr h;
    std::memcpy(&h, c->m_data, sizeof h);
    r.cmsgs.push_back({h.cmsg_level, h.cmsg_type});
    r.cmsg_data.emplace_back(c->m_data + CMSG_LEN(0), c->m_data + h.cmsg_len);
  }
  m_freem(ctl);
  return r;
}

inline int setopt_int(Socket& so, int level, int name, int v) {
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = &v;
  s.sopt_valsize = sizeof v;
  return sosetopt(so, s);
}

inline int getopt_int(Socket& so, int level, int name, int* v) {
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = level;
  s.sopt_name = name;
  s.sopt_val = v;
  s.sopt_valsize = sizeof *v;
  return sogetopt(so, s);
}

inline uint16_t local_port(Socket& so) {
  SockAddr a;
  REQUIRE(sogetsockname(so, &a) == 0);
  sockaddr_in s;
  std::memcpy(&s, &a.ss, sizeof s);
  return ntohs(s.sin_port);
}

}  // namespace tunsock::test
