// IPv4 input: header validation with one drop counter per malformed case
// (RFC 791 §3.1, RFC 1122 §3.2.1), options parsed and skipped, address
// checks (RFC 1122 §3.2.1.3: no martians, no forwarding), reassembly, and
// dispatch by protocol number through ip_protox. FreeBSD: netinet/ip_input.c.
#include "netinet/in_var.hpp"

namespace tunsock {

namespace {

void drop(ifnet& ifp, mbuf* m, uint64_t& counter) {
  counter++;
  ifp.if_data.rx_dropped++;
  m_freem(m);
}

bool martian_src(uint32_t a) {
  return a == 0xffffffff || (a >> 28) >= 0xe;  // broadcast, multicast, class E
}

// Whether this host takes a packet for dst arriving on ifp.
bool for_us(Inet& in, const ifnet& ifp, uint32_t dst) {
  if ((dst >> 24) == 127) return ifp.if_flags & IFF_LOOPBACK;  // RFC 1122: 127/8 never on a wire
  if ((dst >> 28) == 0xe) return in_mcast_host_member(in, dst, &ifp);  // RFC 1112 §6.2: joined groups
  return in_localaddr(in, dst) || in_broadcast(in, dst);
}

}  // namespace

void ip_input(Inet& in, ifnet& ifp, mbuf* m) {
  IpStat& s = in.ipstat;
  s.total++;
  const int pktlen = m->m_pkthdr.len;
  if (pktlen < wire::kIpHdrLen) return drop(ifp, m, s.tooshort);
  if (!(m = m_pullup(m, wire::kIpHdrLen))) return void(s.tooshort++);
  int hlen = (uint8_t(m->m_data[0]) & 0xf) * 4;
  if ((uint8_t(m->m_data[0]) >> 4) == 4 && hlen > wire::kIpHdrLen && hlen <= pktlen) {
    if (!(m = m_pullup(m, hlen))) return void(s.badhlen++);
  }
  wire::IpError why;
  auto ip = wire::ipv4_parse(wire::Bytes(m->m_data, size_t(m->m_len)), &why, size_t(pktlen));
  if (!ip) {
    switch (why) {
      case wire::IpError::kVersion: return drop(ifp, m, s.badvers);
      case wire::IpError::kHeaderLen: return drop(ifp, m, s.badhlen);
      case wire::IpError::kTotalLen: return drop(ifp, m, s.badlen);
      case wire::IpError::kChecksum: return drop(ifp, m, s.badsum);
      case wire::IpError::kOptions: return drop(ifp, m, s.badoptions);
      default: return drop(ifp, m, s.tooshort);
    }
  }
  // Link-layer padding beyond the IP total length goes.
  if (pktlen > ip->total_len) {
    m_adj(m, ip->total_len - pktlen);
    m->m_pkthdr.len = ip->total_len;
  }
  // DEVIATION: a TTL of 0 is dropped even for local delivery (RFC 1122
  // §3.2.1.7 lets a host accept it; a sender of TTL 0 is broken).
  if (ip->ttl == 0) return drop(ifp, m, s.badttl);
  if (martian_src(ip->src)) return drop(ifp, m, s.badaddr);
  if (!for_us(in, ifp, ip->dst)) return drop(ifp, m, s.notforus);  // hosts do not forward
  if (ip->is_fragment()) {
    s.fragments++;
    m = ip_reass(in, m, *ip);
    if (!m) return;
    s.reassembled++;
    ip = wire::ipv4_parse(wire::Bytes(m->m_data, size_t(m->m_len)), nullptr, size_t(m->m_pkthdr.len));
    if (!ip) return drop(ifp, m, s.fragdropped);
  }
  m->m_pkthdr.rcvif = &ifp;
  const IpProtoSw& sw = in.ip_protox[ip->proto];
  if (!sw.pr_input) {
    // RFC 1122 §3.2.2.1: protocol unreachable for a transport we do not have.
    s.noproto++;
    icmp_error(in, m, *ip, wire::ICMP_UNREACH_, wire::ICMP_UNREACH_PROTOCOL_, 0);
    m_freem(m);
    return;
  }
  s.delivered++;
  sw.pr_input(in, m, *ip);
}

void ip_ifinput(ifnet& ifp, mbuf* m) {
  Inet* in = inet_of(*ifp.if_stack);
  if (!in) {
    ifp.if_data.rx_dropped++;
    m_freem(m);
    return;
  }
  ip_input(*in, ifp, m);
}

void ip_protox_register(Inet& in, uint8_t proto, IpProtoSw sw) { in.ip_protox[proto] = sw; }

}  // namespace tunsock
