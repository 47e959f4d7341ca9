// IPv4 reassembly (RFC 791 §3.2, RFC 815): fragments queued per
// (src, dst, id, proto), out of order, with duplicates and overlaps trimmed
// (the bytes already held win, as FreeBSD keeps the earlier data), a
// timeout run by a callout (then ICMP time exceeded, code 1, when the first
// fragment came in), and a memory limit that evicts the oldest datagram.
// FreeBSD: netinet/ip_reass.c.
#include "netinet/in_var.hpp"

namespace tunsock {

namespace {

void reass_free(Inet& in, std::list<ReassQ>::iterator q) {
  in.reass_bytes -= q->bytes;
  if (q->timer) in.st.callout_stop(q->timer);
  in.reass.erase(q);
}

void reass_timeout(Inet& in, ReassQ* qp) {
  for (auto q = in.reass.begin(); q != in.reass.end(); ++q) {
    if (&*q != qp) continue;
    in.ipstat.fragtimeout += q->frags.size();
    q->timer = 0;
    if (!q->hdr.empty() && q->frags.count(0)) {
      // RFC 792: time exceeded, "fragment reassembly time exceeded".
      std::vector<std::byte> first = q->hdr;
      auto& d = q->frags.at(0);
      first.insert(first.end(), d.begin(), d.begin() + std::min<size_t>(d.size(), 8));
      wire::put16(&first[2], uint16_t(first.size()));
      wire::put16(&first[10], 0);
      wire::put16(&first[10], wire::cksum(wire::Bytes(first.data(), q->hdr.size())));
      if (mbuf* m = m_devget(first.data(), int(first.size()), M_NOWAIT, true)) {
        if (auto ip = wire::ipv4_parse(wire::Bytes(first.data(), q->hdr.size()), nullptr, first.size()))
          icmp_error(in, m, *ip, wire::ICMP_TIMXCEED_, 1, 0);
        m_freem(m);
      }
    }
    reass_free(in, q);
    return;
  }
}

// Insert [off, off+data.size()) keeping what is already there.
size_t reass_insert(ReassQ& q, size_t off, std::vector<std::byte> data) {
  size_t added = 0;
  size_t end = off + data.size();
  size_t pos = off;
  auto it = q.frags.upper_bound(uint16_t(off));
  if (it != q.frags.begin()) {
    auto prev = std::prev(it);
    size_t pend = prev->first + prev->second.size();
    if (pend > pos) pos = pend;
  }
  while (pos < end) {
    size_t next = end;
    if (it != q.frags.end() && it->first < end) next = it->first;
    if (next > pos) {
      q.frags.emplace(uint16_t(pos), std::vector<std::byte>(data.begin() + long(pos - off), data.begin() + long(next - off)));
      added += next - pos;
    }
    if (it == q.frags.end() || it->first >= end) break;
    pos = std::max(next, size_t(it->first) + it->second.size());
    ++it;
  }
  return added;
}

}  // namespace

mbuf* ip_reass(Inet& in, mbuf* m, const wire::Ipv4Repr& ip) {
  const int plen = ip.total_len - ip.hlen;
  // RFC 791: all but the last fragment carry a multiple of 8 bytes; nothing
  // may end past 65535 (the "ping of death").
  if ((ip.mf && (plen == 0 || plen % 8)) || ip.frag_off + plen + ip.hlen > 65535) {
    in.ipstat.fragdropped++;
    m_freem(m);
    return nullptr;
  }
  auto q = in.reass.begin();
  for (; q != in.reass.end(); ++q)
    if (q->src == ip.src && q->dst == ip.dst && q->id == ip.id && q->proto == ip.proto) break;
  if (q == in.reass.end()) {
    while (!in.reass.empty() && in.reass_bytes + size_t(plen) > in.reass_limit) {
      in.ipstat.fragdropped += in.reass.front().frags.size();
      reass_free(in, in.reass.begin());
    }
    in.reass.push_back(ReassQ{ip.src, ip.dst, ip.id, ip.proto, {}, {}, -1, 0, 0, m->m_pkthdr.rcvif});
    q = std::prev(in.reass.end());
    ReassQ* qp = &*q;
    q->timer = in.st.callout_reset(in.st.now() + in.reass_timeout, [&in, qp] { reass_timeout(in, qp); });
  } else if (in.reass_bytes + size_t(plen) > in.reass_limit) {
    in.ipstat.fragdropped++;
    m_freem(m);
    return nullptr;
  }
  if (!ip.mf) {
    int total = ip.frag_off + plen;
    if (q->total >= 0 && q->total != total) {  // two different ends: give up on it
      in.ipstat.fragdropped += q->frags.size() + 1;
      reass_free(in, q);
      m_freem(m);
      return nullptr;
    }
    q->total = total;
  }
  if (ip.frag_off == 0 && q->hdr.empty()) {
    q->hdr.resize(ip.hlen);
    m_copydata(m, 0, ip.hlen, q->hdr.data());
  }
  q->max_size = std::max(q->max_size, ip.total_len);
  std::vector<std::byte> data(static_cast<size_t>(plen));
  m_copydata(m, ip.hlen, plen, data.data());
  m_freem(m);
  size_t added = reass_insert(*q, ip.frag_off, std::move(data));
  if (added == 0 && plen > 0) in.ipstat.fragdropped++;  // a duplicate
  q->bytes += added;
  in.reass_bytes += added;
  if (q->total < 0 || q->hdr.empty()) return nullptr;
  // Complete when the pieces run from 0 to total without a hole.
  size_t have = 0;
  for (auto& [off, d] : q->frags) {
    if (off != have) return nullptr;
    have += d.size();
  }
  if (have != size_t(q->total)) return nullptr;
  std::vector<std::byte> pkt = q->hdr;
  for (auto& [off, d] : q->frags) pkt.insert(pkt.end(), d.begin(), d.end());
  const uint16_t frag_max = q->max_size;
  reass_free(in, q);
  if (pkt.size() > 65535) {
    in.ipstat.fragdropped++;
    return nullptr;
  }
  wire::put16(&pkt[2], uint16_t(pkt.size()));
  wire::put16(&pkt[6], 0);
  wire::put16(&pkt[10], 0);
  wire::put16(&pkt[10], wire::cksum(wire::Bytes(pkt.data(), size_t(uint8_t(pkt[0]) & 0xf) * 4)));
  mbuf* whole = m_devget(pkt.data(), int(pkt.size()), M_NOWAIT, true);
  if (whole) whole->m_pkthdr.frag_max = frag_max;
  return whole;
}

}  // namespace tunsock
