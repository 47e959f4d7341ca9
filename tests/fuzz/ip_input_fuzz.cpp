// libFuzzer target: arbitrary bytes into the IP input path (IPv4, and IPv6
// for inputs whose version nibble is 6: if_input dispatches on it) of a
// stack that has UDP, ping and raw sockets open in both families, a partial
// reassembly or two pending, and a clock that moves. The first byte picks one packet or a sequence of
// length-prefixed packets with clock steps between them. Nothing may crash,
// leak or trip a sanitizer; every refused packet is counted.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kern/socket.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "netinet/in_var.hpp"
#include "netinet6/in6.hpp"
#include "netinet6/in6_var.hpp"
#include "wire/ip6_hdr.hpp"

using namespace tunsock;

namespace {

struct World {
  Stack st{1};
  ifnet* tun;
  Socket* socks[7] = {};
  World() {
    inet_attach(st);
    inet6_attach(st);
    tun = &if_attach(st, "tun0", 1500, IFF_POINTOPOINT, [](ifnet&, mbuf* m) {
      m_freem(m);
      return 0;
    });
    in_add_address(*tun, 0x0a4d0002, 24);
    route_set_default(st, 0x0a4d0001);
    in6_add_address(*tun, *wire::ip6_pton("2001:db8::2"), 64);
    in6_add_address(*tun, *wire::ip6_pton("fe80::2"), 64);
    route6_set_default(st, *wire::ip6_pton("fe80::1"));
    const int types[5][2] = {{SOCK_DGRAM, 0}, {SOCK_DGRAM, 0}, {SOCK_DGRAM, IPPROTO_ICMP},
                             {SOCK_RAW, IPPROTO_ICMP}, {SOCK_DGRAM, 0}};
    for (int i = 0; i < 5; ++i) socreate(st, AF_INET, &socks[i], types[i][0], types[i][1], Td{});
    // ICMPv6 ping and raw sockets: echo replies, errors and their queues.
    socreate(st, AF_INET6, &socks[5], SOCK_DGRAM, IPPROTO_ICMPV6, Td{});
    socreate(st, AF_INET6, &socks[6], SOCK_RAW, IPPROTO_ICMPV6, Td{});
    SockAddr a;
    in_sockaddr(0, 53, &a);
    sobind(*socks[0], a, Td{});
    in_sockaddr(0x0a4d0001, 53, &a);
    soconnect(*socks[1], a, Td{});
    int one = 1;
    for (Socket* s : socks) {
      if (!s) continue;
      Sockopt o;
      o.sopt_dir = SOPT_SET;
      o.sopt_level = IPPROTO_IP;
      o.sopt_name = IP_RECVERR;
      o.sopt_val = &one;
      o.sopt_valsize = sizeof one;
      sosetopt(*s, o);
      o.sopt_name = IP_PKTINFO;
      sosetopt(*s, o);
      o.sopt_level = IPPROTO_IPV6;
      o.sopt_name = IPV6_RECVERR;
      sosetopt(*s, o);
      o.sopt_name = IPV6_RECVPKTINFO;
      sosetopt(*s, o);
    }
  }
  void drain() {
    for (Socket* s : socks) {
      if (!s) continue;
      for (int i = 0; i < 64; ++i) {
        std::byte buf[256];
        mbuf* ctl = nullptr;
        RecvArgs a;
        a.buf = buf;
        a.len = sizeof buf;
        a.controlp = &ctl;
        int e = soreceive(*s, a);
        m_freem(ctl);
        if (e == EWOULDBLOCK) break;
      }
      // The error queue is inet's (in_errqueue_receive reads an inpcb); the
      // inet6 sockets have none yet (raw_ip6.cpp: no IPV6_RECVERR).
      if (s->so_proto->pr_domain->dom_family != AF_INET) continue;
      RecvArgs q;
      while (in_errqueue_receive(*s, q) == 0) q = RecvArgs{};
    }
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = world();
  if (size == 0) return 0;
  if (data[0] & 1) {
    if_input_bytes(*w.tun, data + 1, size - 1);
  } else {
    size_t i = 1;
    while (i + 2 <= size) {
      size_t len = (size_t(data[i]) << 8 | data[i + 1]) % 2048;
      uint8_t step = data[i];  // the high length byte doubles as the clock step
      i += 2;
      len = std::min(len, size - i);
      if_input_bytes(*w.tun, data + i, len);
      i += len;
      w.st.poll(w.st.now() + std::chrono::milliseconds(step * 100));
    }
  }
  w.st.poll(w.st.now() + std::chrono::milliseconds(10));
  w.drain();
  // Keep reassembly from growing across runs: time it all out now and then.
  if (w.st.now() > std::chrono::hours(1)) w.st.poll(w.st.now() + std::chrono::seconds(31));
  return 0;
}
