// Interfaces: attach, addresses, the driver entry (if_input) and the exit
// (if_output -> if_transmit), per-interface counters and their `ip -s link`
// text. FreeBSD: sys/net/if.c, if_ethersubr.c (the input/output glue), netinet/in.c.
#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "netinet/in_var.hpp"

namespace tunsock {

void if_input(ifnet& ifp, mbuf* m) {
  if (!m) return;
  int len = (m->m_flags & M_PKTHDR) ? m->m_pkthdr.len : m_length(m);
  ifp.if_data.rx_packets++;
  ifp.if_data.rx_bytes += uint64_t(len);
  Inet* in = ifp.if_stack ? inet_of(*ifp.if_stack) : nullptr;
  if (!in || !(ifp.if_flags & IFF_UP)) {
    ifp.if_data.rx_dropped++;
    m_freem(m);
    return;
  }
  if (!(m->m_flags & M_PKTHDR)) {  // drivers should send a packet header; tolerate a bare chain
    mbuf* h = m_gethdr(M_NOWAIT, MType::Data);
    if (!h) {
      ifp.if_data.rx_dropped++;
      m_freem(m);
      return;
    }
    h->m_len = 0;
    h->m_next = m;
    m = h;
  }
  m->m_pkthdr.len = m_length(m);
  m->m_pkthdr.rcvif = &ifp;
  if (in->trace) in->trace(ifp, 'I', m);
  ip_input(*in, ifp, m);
}

void if_input_bytes(ifnet& ifp, const void* buf, size_t len) {
  mbuf* m = m_devget(buf, int(len), M_NOWAIT, true);
  if (!m) {
    ifp.if_data.rx_packets++;
    ifp.if_data.rx_dropped++;
    return;
  }
  if_input(ifp, m);
}

void if_output(ifnet& ifp, mbuf* m) {
  int len = m->m_pkthdr.len;
  Inet* in = ifp.if_stack ? inet_of(*ifp.if_stack) : nullptr;
  if (in && in->trace) in->trace(ifp, 'O', m);
  if (!ifp.if_transmit || !(ifp.if_flags & IFF_UP)) {
    ifp.if_data.tx_dropped++;
    m_freem(m);
    return;
  }
  ifp.if_data.tx_packets++;
  ifp.if_data.tx_bytes += uint64_t(len);
  if (ifp.if_transmit(ifp, m) != 0) ifp.if_data.tx_dropped++;
}

ifnet& if_attach(Stack& st, std::string name, uint32_t mtu, uint32_t flags, IfTransmit transmit) {
  Inet& in = inet_attach(st);
  auto ifp = std::make_unique<ifnet>();
  ifp->if_name = std::move(name);
  ifp->if_index = int(in.ifs.size()) + 1;
  ifp->if_mtu = mtu;
  ifp->if_flags = flags | IFF_UP | IFF_RUNNING;
  ifp->if_transmit = std::move(transmit);
  ifp->if_stack = &st;
  in.ifs.push_back(std::move(ifp));
  return *in.ifs.back();
}

ifnet* if_find(Stack& st, const std::string& name) {
  Inet* in = inet_of(st);
  if (!in) return nullptr;
  for (auto& i : in->ifs)
    if (i->if_name == name) return i.get();
  return nullptr;
}

ifnet* if_loopback(Stack& st) {
  Inet* in = inet_of(st);
  if (!in) return nullptr;
  for (auto& i : in->ifs)
    if (i->if_flags & IFF_LOOPBACK) return i.get();
  return nullptr;
}

int in_add_address(ifnet& ifp, uint32_t addr, int plen) {
  if (plen < 0 || plen > 32 || !ifp.if_stack) return EINVAL;
  Inet& in = inet(*ifp.if_stack);
  for (auto& i : in.ifs)
    for (auto& a : i->if_addrs)
      if (a.ia_addr == addr) return EEXIST;
  InIfaddr ia{addr, plen};
  ifp.if_addrs.push_back(ia);
  Route r{ia.subnet(), plen, 0, &ifp, addr};
  // Longest prefix first, so the first match wins (rt_lookup).
  auto it = in.routes.begin();
  while (it != in.routes.end() && it->plen >= plen) ++it;
  in.routes.insert(it, r);
  return 0;
}

int route_set_default(Stack& st, uint32_t gw) {
  Inet& in = inet_attach(st);
  if (gw == 0) {
    in.defrt = Route{};
    return 0;
  }
  const Route* r = rt_lookup(in, gw);
  if (!r || r->plen == 0) return ENETUNREACH;
  in.defrt = Route{0, 0, gw, r->ifp, r->src};
  return 0;
}

void inet_set_packet_trace(Stack& st, std::function<void(const ifnet&, char, const mbuf*)> fn) {
  inet_attach(st).trace = std::move(fn);
}

std::string if_packet_line(const mbuf* m) {
  std::byte head[128];
  int n = std::min(m_length(m), int(sizeof head));
  m_copydata(m, 0, n, head);
  return wire::tcpdump_line(wire::Bytes(head, size_t(n)));
}

std::string if_stats_text(const ifnet& ifp) {
  char buf[512];
  std::string fl;
  if (ifp.if_flags & IFF_LOOPBACK) fl += "LOOPBACK,";
  if (ifp.if_flags & IFF_POINTOPOINT) fl += "POINTOPOINT,";
  if (ifp.if_flags & IFF_UP) fl += "UP,";
  if (!fl.empty()) fl.pop_back();
  const IfData& d = ifp.if_data;
  std::snprintf(buf, sizeof buf,
                "%d: %s: <%s> mtu %u\n"
                "    RX:  bytes packets errors dropped\n"
                "    %10llu %7llu %6llu %7llu\n"
                "    TX:  bytes packets errors dropped\n"
                "    %10llu %7llu %6llu %7llu\n",
                ifp.if_index, ifp.if_name.c_str(), fl.c_str(), ifp.if_mtu, (unsigned long long)d.rx_bytes,
                (unsigned long long)d.rx_packets, (unsigned long long)d.rx_errors, (unsigned long long)d.rx_dropped,
                (unsigned long long)d.tx_bytes, (unsigned long long)d.tx_packets, (unsigned long long)d.tx_errors,
                (unsigned long long)d.tx_dropped);
  std::string s = buf;
  for (auto& a : ifp.if_addrs) s += "    inet " + inet_ntop4(a.ia_addr) + "/" + std::to_string(a.ia_plen) + "\n";
  return s;
}

bool inet_pton4(const std::string& s, uint32_t* out) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return false;
  if (a > 255 || b > 255 || c > 255 || d > 255) return false;
  *out = (a << 24) | (b << 16) | (c << 8) | d;
  return true;
}

std::string inet_ntop4(uint32_t a) { return wire::ip4_str(a); }

}  // namespace tunsock
