// IPv6 output: route, source selection, header, and fragmentation at the
// source to the path MTU (RFC 8200 §4.5: every fragment but the last
// carries a multiple of 8 bytes; the identification is unpredictable, RFC
// 7739 §5). Hosts put no extension headers of their own before the
// fragment header, so the unfragmentable part is the IPv6 header alone.
// On a TUN device there is no neighbour discovery to do: no link-layer
// address to resolve, the packet goes to the interface as it is.
// FreeBSD: netinet6/ip6_output.c (ip6_output, ip6_fragment).
#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

int ip6_fragment(Inet6& in6, ifnet& ifp, mbuf* m, wire::Ip6Repr ip, uint32_t mtu) {
  const int plen = m_length(m);
  const int chunk = (int(mtu) - wire::kIp6HdrLen - wire::kIp6FragHdrLen) & ~7;
  Ip6Stat& s = in6.ip6stat;
  s.fragmented++;
  wire::Ip6FragView f;
  f.nxt = ip.nxt;
  f.id = in6.st.rng().next_u32();
  ip.nxt = wire::IPPROTO_FRAGMENT_;
  constexpr int kHdr = wire::kIp6HdrLen + wire::kIp6FragHdrLen;
  for (int off = 0; off < plen; off += chunk) {
    const int n = std::min(chunk, plen - off);
    mbuf* h = m_gethdr(M_NOWAIT, MType::Data);
    mbuf* data = h ? m_copym(m, off, n, M_NOWAIT) : nullptr;
    if (!data) {
      if (h) m_freem(h);
      m_freem(m);
      s.odropped++;
      return ENOBUFS;
    }
    ip.plen = uint16_t(wire::kIp6FragHdrLen + n);
    f.off = uint16_t(off);
    f.m = off + n < plen;
    wire::ip6_emit(h->m_data, ip);
    wire::ip6_frag_emit(h->m_data + wire::kIp6HdrLen, f);
    h->m_len = kHdr;
    h->m_next = data;
    h->m_pkthdr.len = kHdr + n;
    s.ofragments++;
    if_output(ifp, h);
  }
  m_freem(m);
  return 0;
}

// A copy of a multicast packet (header ip, payload m: not consumed) to
// this host's own sockets, as if it had come in on ifp (Linux
// dev_loopback_xmit), from a callout so that output never re-enters
// input; a deep copy, as the original may sit in the driver's queue.
void ip6_loop_multicast(Inet6& in6, ifnet& ifp, const wire::Ip6Repr& ip, const mbuf* m) {
  const int plen = m ? m_length(m) : 0;
  std::vector<std::byte> bytes(size_t(wire::kIp6HdrLen + plen));
  wire::ip6_emit(bytes.data(), ip);
  if (plen) m_copydata(m, 0, plen, bytes.data() + wire::kIp6HdrLen);
  mbuf* copy = m_devget(bytes.data(), int(bytes.size()), M_NOWAIT, true);
  if (!copy) return;
  auto held = std::make_shared<MbufPtr>(copy);
  in6.st.callout_reset(in6.st.now(), [&in6, &ifp, held] { ip6_input(in6, ifp, held->release()); });
}

}  // namespace

int ip6_output(Inet6& in6, mbuf* m, const In6& src0, const In6& dst, uint8_t nxt, const Ip6OutOpts& o) {
  Ip6Stat& s = in6.ip6stat;
  ifnet* ifp = o.ifp ? o.ifp : in6_out_ifp(in6, dst);
  if (!ifp) {
    s.noroute++;
    m_freem(m);
    return ENETUNREACH;
  }
  In6 src = src0;
  if (wire::in6_is_unspecified(src))
    if (int e = in6_selectsrc(in6, dst, ifp, &src)) {
      m_freem(m);
      return e;
    }
  const int plen = m ? m_length(m) : 0;
  if (plen > 65535) {  // no jumbograms (RFC 2675) on these links
    m_freem(m);
    return EMSGSIZE;
  }
  // The path MTU (RFC 8201), on the interface the packet leaves by.
  const uint32_t pmtu = o.ignore_pmtu ? 0 : ip6_pmtu(in6, dst);
  uint32_t mtu = std::min(ifp->if_mtu, pmtu ? pmtu : ifp->if_mtu);
  if (o.minmtu) mtu = std::min(mtu, wire::kIp6MinMtu);
  if (o.fragsize) mtu = std::min(mtu, o.fragsize);  // IPV6_MTU (Linux np->frag_size)
  wire::Ip6Repr ip;
  ip.tclass = o.tclass;
  ip.plen = uint16_t(plen);
  ip.nxt = nxt;
  ip.hlim = uint8_t(o.hlim >= 0 ? o.hlim : in6.hlim);
  ip.src = src;
  ip.dst = dst;
  s.localout++;
  const bool fits = uint32_t(wire::kIp6HdrLen + plen) <= mtu;
  if (!fits && o.dontfrag) {  // RFC 8200 §5: only the source fragments; IPV6_DONTFRAG says EMSGSIZE
    s.cantfrag++;
    m_freem(m);
    return EMSGSIZE;
  }
  // Linux ip6_finish_output2: a group this host takes on ifp gets a copy
  // too, unless IPV6_MULTICAST_LOOP is off.
  if (o.mcast_loop && wire::in6_is_multicast(dst) && !(ifp->if_flags & IFF_LOOPBACK) &&
      ip6_mcast_member(in6, *ifp, dst))
    ip6_loop_multicast(in6, *ifp, ip, m);
  if (!fits) return ip6_fragment(in6, *ifp, m, ip, mtu);
  mbuf* h = m ? m_prepend(m, wire::kIp6HdrLen, M_NOWAIT) : m_gethdr(M_NOWAIT, MType::Data);
  if (!h) {
    s.odropped++;
    return ENOBUFS;
  }
  if (!m) h->m_len = wire::kIp6HdrLen;
  h->m_flags |= M_PKTHDR;
  if (h->m_next) h->m_next->m_flags &= ~M_PKTHDR;
  h->m_pkthdr.len = wire::kIp6HdrLen + plen;
  wire::ip6_emit(h->m_data, ip);
  if_output(*ifp, h);
  return 0;
}

}  // namespace tunsock
