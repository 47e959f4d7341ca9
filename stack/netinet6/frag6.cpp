// IPv6 reassembly (RFC 8200 §4.5): fragments queued by source, destination
// and identification; overlapping fragments drop the whole datagram and
// every fragment of it still to come (RFC 5722 §4); atomic fragments (offset
// 0, M clear) are processed as whole packets, never mixed with a queue of
// the same identification (RFC 6946 §4, RFC 8021); a fragment with M set
// and a length not a multiple of 8, or one ending beyond 65535, draws a
// parameter problem; a first fragment without the whole header chain
// draws one too (RFC 7112 §5); after 60 s an incomplete datagram whose
// first fragment came is answered with Time Exceeded, code 1.
// FreeBSD: netinet6/frag6.c; Linux: ipv6/reassembly.c, inet_fragment.c.
#include <cstring>
#include <memory>
#include <vector>

#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

void drop(Inet6& in6, mbuf* m, uint64_t& counter) {
  counter++;
  if (&counter != &in6.ip6stat.fragdropped) in6.ip6stat.fragdropped++;
  if (m->m_pkthdr.rcvif) m->m_pkthdr.rcvif->if_data.rx_dropped++;
  m_freem(m);
}

std::vector<std::byte> flat(const mbuf* m, int off, int len) {
  std::vector<std::byte> b(static_cast<size_t>(len));
  m_copydata(m, off, len, b.data());
  return b;
}

void q_free(Inet6& in6, std::list<Ip6ReassQ>::iterator q) {
  in6.reass_bytes -= q->bytes;
  if (q->timer) in6.st.callout_stop(q->timer);
  in6.reass.erase(q);
}

// The reassembly timer (RFC 8200 §4.5): Time Exceeded, code 1, to the
// source when the first fragment came, else nothing.
void q_timeout(Inet6& in6, Ip6ReassQ* qp) {
  for (auto q = in6.reass.begin(); q != in6.reass.end(); ++q) {
    if (&*q != qp) continue;
    q->timer = 0;
    in6.ip6stat.fragtimeout += q->frags.size();
    if (!q->dead && !q->first.empty()) {
      if (mbuf* m = m_devget(q->first.data(), int(q->first.size()), M_NOWAIT, true)) {
        m->m_pkthdr.rcvif = q->rcvif;
        icmp6_error(in6, m, wire::ICMP6_TIME_EXCEEDED_, wire::ICMP6_TIME_EXCEED_REASSEMBLY_, 0);
        m_freem(m);
      }
    }
    q_free(in6, q);
    return;
  }
}

// RFC 5722 §4: the datagram is discarded, and so is every fragment of it
// that is still to come: the queue stays, dead, until its timer.
void q_kill(Inet6& in6, Ip6ReassQ& q) {
  in6.ip6stat.fragoverlap++;
  in6.reass_bytes -= q.bytes;
  q.bytes = 0;
  q.frags.clear();
  q.first.clear();
  q.unfrag.clear();
  q.dead = true;
}

// Whether the first fragment holds the header chain up to the upper layer
// (RFC 7112 §5), walking from the fragment header's next header.
bool chain_complete(const mbuf* m, int off, uint8_t nxt) {
  const int len = m->m_pkthdr.len;
  for (int n = 0; n < 64; ++n) {
    if (nxt != wire::IPPROTO_HOPOPTS_ && nxt != wire::IPPROTO_DSTOPTS_ && nxt != wire::IPPROTO_ROUTING_)
      return nxt == wire::IPPROTO_NONE_ || off < len;  // at least the upper layer's first byte
    std::byte h[2];
    if (off + 2 > len) return false;
    m_copydata(m, off, 2, h);
    nxt = uint8_t(h[0]);
    off += wire::ip6_opthdr_len(h);
    if (off > len) return false;
  }
  return false;
}

// The datagram, once whole: unfragmentable part, its Next Header byte set
// to what the fragment header named, the payload length fixed.
mbuf* q_build(Inet6& in6, std::list<Ip6ReassQ>::iterator q, int* offp, uint8_t* nxtp) {
  std::vector<std::byte> b = q->unfrag;
  b[size_t(q->nxt_off)] = std::byte(q->nxt);
  for (auto& [o, d] : q->frags) b.insert(b.end(), d.begin(), d.end());
  wire::put16(&b[4], uint16_t(b.size() - wire::kIp6HdrLen));
  *offp = int(q->unfrag.size());
  *nxtp = q->nxt;
  ifnet* rcvif = q->rcvif;
  q_free(in6, q);
  mbuf* m = m_devget(b.data(), int(b.size()), M_NOWAIT, true);
  if (!m) return nullptr;
  m->m_pkthdr.rcvif = rcvif;
  in6.ip6stat.reassembled++;
  return m;
}

}  // namespace

mbuf* frag6_input(Inet6& in6, mbuf* m, int* offp, int nxt_off, uint8_t* nxtp) {
  Ip6Stat& s = in6.ip6stat;
  s.fragments++;
  const int off = *offp;
  const int pktlen = m->m_pkthdr.len;
  std::byte fh[wire::kIp6FragHdrLen];
  if (off + wire::kIp6FragHdrLen > pktlen) return drop(in6, m, s.tooshort), nullptr;
  m_copydata(m, off, wire::kIp6FragHdrLen, fh);
  const wire::Ip6FragView f = *wire::ip6_frag_parse(wire::Bytes(fh, sizeof fh));
  const int flen = pktlen - off - wire::kIp6FragHdrLen;
  std::byte hdr[wire::kIp6HdrLen];
  m_copydata(m, 0, wire::kIp6HdrLen, hdr);
  const wire::Ip6Repr ip = *wire::ip6_parse(wire::Bytes(hdr, sizeof hdr), nullptr, size_t(pktlen));

  if (f.atomic()) {
    // RFC 6946 §4: a whole packet with a fragment header; the header goes
    // and the packet goes on, whatever queue has the same identification.
    s.atomicfrags++;
    std::vector<std::byte> b = flat(m, 0, pktlen);
    ifnet* rcvif = m->m_pkthdr.rcvif;
    m_freem(m);
    b.erase(b.begin() + off, b.begin() + off + wire::kIp6FragHdrLen);
    b[size_t(nxt_off)] = std::byte(f.nxt);
    wire::put16(&b[4], uint16_t(b.size() - wire::kIp6HdrLen));
    *nxtp = f.nxt;
    mbuf* n = m_devget(b.data(), int(b.size()), M_NOWAIT, true);
    if (n) n->m_pkthdr.rcvif = rcvif;
    return n;
  }
  // RFC 8200 §4.5: not the last, yet not a multiple of 8 bytes: parameter
  // problem pointing at the Payload Length; ending beyond 65535: pointing
  // at the Fragment Offset.
  if (f.m && (flen % 8 != 0 || flen == 0)) {
    icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_HEADER_, 4);
    return drop(in6, m, s.badlen), nullptr;
  }
  if (off - wire::kIp6HdrLen + int(f.off) + flen > 65535) {  // the reassembled Payload Length
    icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_HEADER_, uint32_t(off + 2));
    return drop(in6, m, s.badlen), nullptr;
  }
  if (f.off == 0 && !chain_complete(m, off + wire::kIp6FragHdrLen, f.nxt)) {
    icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_FIRSTFRAG_, 0);
    return drop(in6, m, s.badoptions), nullptr;
  }

  auto q = in6.reass.begin();
  for (; q != in6.reass.end(); ++q)
    if (q->id == f.id && q->src == ip.src && q->dst == ip.dst) break;
  if (q == in6.reass.end()) {
    if (in6.reass_bytes + size_t(flen) > in6.reass_limit) return drop(in6, m, s.fragdropped), nullptr;
    in6.reass.emplace_back();
    q = std::prev(in6.reass.end());
    q->src = ip.src;
    q->dst = ip.dst;
    q->id = f.id;
    q->rcvif = m->m_pkthdr.rcvif;
    Ip6ReassQ* qp = &*q;
    q->timer = in6.st.callout_reset(in6.st.now() + in6.reass_timeout, [&in6, qp] { q_timeout(in6, qp); });
  }
  if (q->dead) return drop(in6, m, s.fragdropped), nullptr;  // RFC 5722: the rest of a dropped datagram
  const int end = int(f.off) + flen;
  // Overlaps with what is queued, or a length that contradicts the last
  // fragment's: the datagram goes (RFC 5722 §4). An exact duplicate of a
  // queued fragment is only itself dropped (Linux IPFRAG_DUP).
  auto next = q->frags.lower_bound(f.off);
  if (next != q->frags.end() && next->first == f.off && int(next->second.size()) == flen &&
      next->second == flat(m, off + wire::kIp6FragHdrLen, flen))
    return drop(in6, m, s.fragdropped), nullptr;
  bool bad = (q->total >= 0 && (end > q->total || (!f.m && end != q->total))) ||
             (!f.m && !q->frags.empty() && std::prev(q->frags.end())->first +
                                                   int(std::prev(q->frags.end())->second.size()) > end);
  if (next != q->frags.end() && int(next->first) < end) bad = true;
  if (next != q->frags.begin()) {
    auto prev = std::prev(next);
    if (int(prev->first) + int(prev->second.size()) > int(f.off)) bad = true;
  }
  if (bad) {
    q_kill(in6, *q);
    return drop(in6, m, s.fragdropped), nullptr;
  }
  if (in6.reass_bytes + size_t(flen) > in6.reass_limit) return drop(in6, m, s.fragdropped), nullptr;
  q->frags.emplace(f.off, flat(m, off + wire::kIp6FragHdrLen, flen));
  q->bytes += size_t(flen);
  in6.reass_bytes += size_t(flen);
  if (!f.m) q->total = end;
  if (f.off == 0) {
    q->unfrag = flat(m, 0, off);
    q->nxt_off = nxt_off;
    q->nxt = f.nxt;
    q->first = flat(m, 0, pktlen);
  }
  m_freem(m);
  if (q->total < 0 || q->unfrag.empty()) return nullptr;
  int have = 0;
  for (auto& [o, d] : q->frags) {
    if (int(o) != have) return nullptr;  // a hole
    have += int(d.size());
  }
  if (have != q->total) return nullptr;
  if (q->unfrag.size() + size_t(q->total) - wire::kIp6HdrLen > 65535) {
    q_kill(in6, *q);
    return nullptr;
  }
  return q_build(in6, q, offp, nxtp);
}

}  // namespace tunsock
