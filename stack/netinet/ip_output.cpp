// IPv4 output: route, header, fragmentation to the path MTU (RFC 791 §3.2
// "Fragmentation", RFC 1191), DF honoured with EMSGSIZE, IP ID generation,
// broadcasts looped back to this host as Linux does.
// FreeBSD: netinet/ip_output.c (ip_output, ip_fragment), ip_id.c.
#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include "netinet/in_var.hpp"

namespace tunsock {

// A counter from a random start (RFC 6864 §4.1 asks uniqueness only within a
// flow's lifetime; a random origin keeps the value from leaking uptime).
uint16_t ip_newid(Inet& in) { return ++in.ip_id; }

namespace {

ifnet* out_ifp(Inet& in, uint32_t dst, int* err) {
  // Our own addresses are reached through loopback, as on Linux (local table).
  if (in_localaddr(in, dst)) return if_loopback(in.st);
  const Route* r = rt_lookup(in, dst);
  if (!r) {
    *err = ENETUNREACH;
    return nullptr;
  }
  return r->ifp;
}

// Send hdr+payload as fragments of at most mtu bytes (RFC 791 §3.2: every
// fragment but the last carries a multiple of 8 payload bytes).
int ip_fragment(Inet& in, ifnet& ifp, mbuf* m, wire::Ipv4Repr ip, uint32_t mtu) {
  const int hlen = ip.hlen;
  const int plen = m->m_pkthdr.len - hlen;
  const int chunk = (int(mtu) - hlen) & ~7;
  if (chunk < 8) {
    m_freem(m);
    in.ipstat.cantfrag++;
    return EMSGSIZE;
  }
  in.ipstat.fragmented++;
  const uint16_t base = ip.frag_off;
  const bool base_mf = ip.mf;
  for (int off = 0; off < plen; off += chunk) {
    int n = std::min(chunk, plen - off);
    mbuf* h = m_gethdr(M_NOWAIT, MType::Data);
    mbuf* data = h ? m_copym(m, hlen + off, n, M_NOWAIT) : nullptr;
    if (!data) {
      if (h) m_freem(h);
      m_freem(m);
      in.ipstat.odropped++;
      return ENOBUFS;
    }
    ip.total_len = uint16_t(hlen + n);
    ip.frag_off = uint16_t(base + off);
    ip.mf = base_mf || off + n < plen;
    ip.hlen = wire::kIpHdrLen;  // DEVIATION: options are not copied into fragments (we send none)
    wire::ipv4_emit(h->m_data, ip);
    h->m_len = wire::kIpHdrLen;
    h->m_next = data;
    h->m_pkthdr.len = wire::kIpHdrLen + n;
    in.ipstat.ofragments++;
    if_output(ifp, h);
  }
  m_freem(m);
  return 0;
}

// Linux ip_mc_output: a broadcast leaving through a link is also delivered
// to this host's own sockets, as if it had come in on that link
// (dev_loopback_xmit), from a callout so that output never re-enters input.
// The copy is a deep one: the original may sit in the driver's queue.
void ip_loop_broadcast(Inet& in, ifnet& ifp, const mbuf* m) {
  std::vector<std::byte> bytes(size_t(m->m_pkthdr.len));
  m_copydata(m, 0, int(bytes.size()), bytes.data());
  mbuf* copy = m_devget(bytes.data(), int(bytes.size()), M_NOWAIT, true);
  if (!copy) return;
  auto held = std::make_shared<MbufPtr>(copy);
  in.st.callout_reset(in.st.now(), [&in, &ifp, held] { ip_input(in, ifp, held->release()); });
}

}  // namespace

int ip_output(Inet& in, mbuf* m, uint32_t src, uint32_t dst, uint8_t proto, const IpOutOpts& o) {
  int err = 0;
  ifnet* ifp = o.ifp ? o.ifp : out_ifp(in, dst, &err);
  if (!ifp) {
    in.ipstat.noroute++;
    m_freem(m);
    return err;
  }
  if (in_broadcast(in, dst) && !o.broadcast_ok) {
    m_freem(m);
    return EACCES;
  }
  // Linux ip_skb_dst_mtu: the path MTU unless the socket asked for the
  // interface's (IP_PMTUDISC_PROBE, INTERFACE, OMIT).
  const uint32_t mtu = o.ignore_pmtu ? ifp->if_mtu : std::min(ifp->if_mtu, ip_pmtu_learned(in, dst));
  wire::Ipv4Repr ip;
  if (o.hdrincl) {
    // Raw IP_HDRINCL: the caller's header, with Linux's fix-ups (total
    // length and checksum always, id and source when zero).
    m = m_pullup(m, std::min(m_length(m), wire::kIpHdrLen));
    if (!m) return ENOBUFS;
    int len = m_length(m);
    if (len < wire::kIpHdrLen) {
      m_freem(m);
      return EINVAL;
    }
    std::byte* h = m->m_data;
    wire::put16(h + 2, uint16_t(len));
    if (wire::get16(h + 4) == 0) wire::put16(h + 4, ip_newid(in));
    if (wire::get32(h + 12) == 0) wire::put32(h + 12, src);
    h[0] = std::byte(0x45);  // DEVIATION: options in a supplied header are not kept
    wire::put16(h + 10, 0);
    wire::put16(h + 10, wire::cksum(wire::Bytes(h, wire::kIpHdrLen)));
    m->m_pkthdr.len = len;
    ip = *wire::ipv4_parse(wire::Bytes(h, wire::kIpHdrLen), nullptr, size_t(len));
  } else {
    int plen = m_length(m);
    if (plen + wire::kIpHdrLen > 65535) {
      m_freem(m);
      return EMSGSIZE;
    }
    m = m_prepend(m, wire::kIpHdrLen, M_NOWAIT);
    if (!m) {
      in.ipstat.odropped++;
      return ENOBUFS;
    }
    m->m_flags |= M_PKTHDR;
    if (m->m_next) m->m_next->m_flags &= ~M_PKTHDR;
    m->m_pkthdr.len = plen + wire::kIpHdrLen;
    ip.tos = o.tos;
    ip.total_len = uint16_t(plen + wire::kIpHdrLen);
    ip.ttl = o.ttl;
    ip.proto = proto;
    ip.src = src;
    ip.dst = dst;
    // Linux __ip_make_skb: DF on what fits when path MTU discovery is
    // wanted, except towards a path locked below min_pmtu (ip_dont_fragment).
    ip.df = o.df && ip.total_len <= mtu && (o.dontfrag || !ip_pmtu_locked(in, dst));
    ip.id = ip_newid(in);
    wire::ipv4_emit(m->m_data, ip);
  }
  in.ipstat.localout++;
  const bool fits = uint32_t(m->m_pkthdr.len) <= mtu;
  if (!fits && (ip.df || o.dontfrag)) {
    in.ipstat.cantfrag++;
    m_freem(m);
    return EMSGSIZE;
  }
  // RFC 1112 §6.1 and Linux ip_mc_output: a group this host joined on ifp
  // gets a copy too, unless IP_MULTICAST_LOOP is off.
  if (!(ifp->if_flags & IFF_LOOPBACK) &&
      (in_broadcast(in, dst) || ((dst >> 28) == 0xe && o.mcast_loop && in_mcast_host_member(in, dst, ifp))))
    ip_loop_broadcast(in, *ifp, m);
  if (fits) {
    if_output(*ifp, m);
    return 0;
  }
  return ip_fragment(in, *ifp, m, ip, mtu);
}

}  // namespace tunsock
