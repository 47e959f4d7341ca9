// Interfaces: attach, the driver entry (if_input, dispatched to the domain
// of the packet's family) and the exit (if_output -> if_transmit),
// per-interface counters and their `ip -s link` text.
// FreeBSD: sys/net/if.c, netisr.c (dispatch by family), if_ethersubr.c.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "kern/protosw.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "wire/ip.hpp"

namespace tunsock {

IfState& if_state(Stack& st) {
  if (auto* s = static_cast<IfState*>(st.net_state())) return *s;
  auto s = std::make_shared<IfState>();
  IfState* p = s.get();
  st.set_net_state(std::move(s));
  return *p;
}

const IfState* if_state(const Stack& st) { return static_cast<const IfState*>(st.net_state()); }

namespace {

// The domain that takes a packet, by its version nibble (Linux tun without
// IFF_PI does the same). DEVIATION: a packet that is neither 4 nor 6 goes
// to IPv4's input, which counts it as a bad version (Linux tun drops it
// before IP and counts rx_dropped), so every refused packet has a reason.
const Domain* input_domain(const Stack& st, const mbuf* m) {
  std::byte v{};
  if (m->m_pkthdr.len > 0) m_copydata(m, 0, 1, &v);
  const Domain* d = nullptr;
  if ((uint8_t(v) >> 4) == 6) d = pffinddomain(st, AF_INET6);
  if (!d) d = pffinddomain(st, AF_INET);
  return d && d->dom_ifinput ? d : nullptr;
}

}  // namespace

void if_input(ifnet& ifp, mbuf* m) {
  if (!m) return;
  int len = (m->m_flags & M_PKTHDR) ? m->m_pkthdr.len : m_length(m);
  ifp.if_data.rx_packets++;
  ifp.if_data.rx_bytes += uint64_t(len);
  if (!ifp.if_stack || !(ifp.if_flags & IFF_UP)) {
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
  const Domain* d = input_domain(*ifp.if_stack, m);
  if (!d) {
    ifp.if_data.rx_dropped++;
    m_freem(m);
    return;
  }
  IfState& is = if_state(*ifp.if_stack);
  if (is.trace) is.trace(ifp, 'I', m);
  d->dom_ifinput(ifp, m);
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
  if (ifp.if_stack) {
    IfState& is = if_state(*ifp.if_stack);
    if (is.trace) is.trace(ifp, 'O', m);
  }
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
  IfState& is = if_state(st);
  auto ifp = std::make_unique<ifnet>();
  ifp->if_name = std::move(name);
  ifp->if_index = int(is.ifs.size()) + 1;
  ifp->if_mtu = mtu;
  ifp->if_flags = flags | IFF_UP | IFF_RUNNING;
  ifp->if_transmit = std::move(transmit);
  ifp->if_stack = &st;
  is.ifs.push_back(std::move(ifp));
  return *is.ifs.back();
}

ifnet* if_find(Stack& st, const std::string& name) {
  for (auto& i : if_state(st).ifs)
    if (i->if_name == name) return i.get();
  return nullptr;
}

ifnet* if_loopback(Stack& st) {
  for (auto& i : if_state(st).ifs)
    if (i->if_flags & IFF_LOOPBACK) return i.get();
  return nullptr;
}

void if_set_packet_trace(Stack& st, std::function<void(const ifnet&, char, const mbuf*)> fn) {
  if_state(st).trace = std::move(fn);
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
  for (auto& a : ifp.if_addrs6) {
    char b[INET6_ADDRSTRLEN];
    ::inet_ntop(AF_INET6, a.ia6_addr.data(), b, sizeof b);
    s += std::string("    inet6 ") + b + "/" + std::to_string(a.ia6_plen) + "\n";
  }
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
