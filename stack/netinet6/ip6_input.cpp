// IPv6 input: header validation (RFC 8200 §3, RFC 4291 §2.5.2-2.5.3, §2.7),
// the extension header chain (RFC 8200 §4: hop-by-hop only first, options
// with the action their type's high bits ask for, routing headers with
// segments left answered with a parameter problem since a host forwards
// nothing and type 0 is deprecated by RFC 5095, fragments to frag6.cpp,
// destination options), and dispatch by next header through ip6_protox.
// FreeBSD: netinet6/ip6_input.c (ip6_input, ip6_hopopts_input), dest6.c,
// route6.c, ip6_protox; Linux: ipv6/exthdrs.c (ip6_tlvopt_unknown).
#include <cerrno>

#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

// Bounds the header walk (a chain of 8-byte headers in a 64 KiB packet).
constexpr int kMaxExtHeaders = 64;

void drop(ifnet& ifp, mbuf* m, uint64_t& counter) {
  counter++;
  ifp.if_data.rx_dropped++;
  m_freem(m);
}

bool rd(const mbuf* m, int off, int len, void* out) {
  if (off < 0 || len < 0 || off + len > m->m_pkthdr.len) return false;
  m_copydata(m, off, len, out);
  return true;
}

// Whether this host takes a packet for dst arriving on ifp.
bool for_us(const Inet6& in6, const ifnet& ifp, const In6& dst) {
  // RFC 4291 §2.5.3: ::1 never arrives on a wire.
  if (wire::in6_is_loopback(dst)) return ifp.if_flags & IFF_LOOPBACK;
  if (wire::in6_is_multicast(dst)) return ip6_mcast_member(in6, ifp, dst);
  return in6_localaddr(in6, dst);
}

// The options of a hop-by-hop or destination options header of hlen bytes
// at off (RFC 8200 §4.2). False: m was dropped (and maybe answered).
bool ip6_options(Inet6& in6, ifnet& ifp, mbuf* m, int off, int hlen, const wire::Ip6Repr& ip) {
  Ip6Stat& s = in6.ip6stat;
  const int end = off + hlen;
  for (int p = off + 2, n = 0; p < end && n < hlen; ++n) {
    std::byte tl[2];
    if (!rd(m, p, 1, tl)) return drop(ifp, m, s.badoptions), false;
    const uint8_t type = uint8_t(tl[0]);
    if (type == wire::IP6OPT_PAD1_) {
      ++p;
      continue;
    }
    if (p + 2 > end || !rd(m, p, 2, tl) || p + 2 + int(uint8_t(tl[1])) > end)
      return drop(ifp, m, s.badoptions), false;  // an option running past its header
    const int olen = 2 + int(uint8_t(tl[1]));
    if (type == wire::IP6OPT_PADN_) {
      p += olen;
      continue;
    }
    // DEVIATION: no option is recognised (no jumbogram, router alert or
    // tunnel limit here): each is handled as its type's high bits ask.
    switch (wire::ip6_opt_action(type)) {
      case wire::Ip6OptAction::kSkip: p += olen; continue;
      case wire::Ip6OptAction::kDiscard: return drop(ifp, m, s.badoptions), false;
      case wire::Ip6OptAction::kDiscardIcmp:  // even to a multicast destination (RFC 4443 §2.4(e.3))
        icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_OPTION_, uint32_t(p));
        return drop(ifp, m, s.badoptions), false;
      case wire::Ip6OptAction::kDiscardIcmpUnicast:
        if (!wire::in6_is_multicast(ip.dst))
          icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_OPTION_, uint32_t(p));
        return drop(ifp, m, s.badoptions), false;
    }
  }
  return true;
}

}  // namespace

bool ip6_mcast_member(const Inet6& in6, const ifnet& ifp, const In6& group) {
  // The all-nodes groups (RFC 4291 §2.7.1: ff01::1, ff02::1), which every
  // node has joined, and the groups a socket joined on ifp
  // (IPV6_JOIN_GROUP). DEVIATION: no MLD reports are sent for them.
  const int scope = group[1] & 0xf;
  In6 g = group;
  g[1] = 0;
  In6 all{};
  all[0] = 0xff;
  all[15] = 1;
  return ((scope == 1 || scope == 2) && g == all) || in6_mcast_host_member(in6.st, group, ifp);
}

void ip6_input(Inet6& in6, ifnet& ifp, mbuf* m) {
  Ip6Stat& s = in6.ip6stat;
  s.total++;
  int pktlen = m->m_pkthdr.len;
  if (pktlen < wire::kIp6HdrLen) return drop(ifp, m, s.tooshort);
  if (!(m = m_pullup(m, wire::kIp6HdrLen))) return void(s.tooshort++);
  wire::Ip6Error why;
  auto ip = wire::ip6_parse(wire::Bytes(m->m_data, size_t(m->m_len)), &why, size_t(pktlen));
  if (!ip) {
    switch (why) {
      case wire::Ip6Error::kVersion: return drop(ifp, m, s.badvers);
      case wire::Ip6Error::kPayloadLen: return drop(ifp, m, s.badlen);
      default: return drop(ifp, m, s.tooshort);
    }
  }
  // Link-layer padding beyond the payload length goes.
  if (pktlen > wire::kIp6HdrLen + ip->plen) {
    m_adj(m, wire::kIp6HdrLen + ip->plen - pktlen);
    m->m_pkthdr.len = pktlen = wire::kIp6HdrLen + ip->plen;
  }
  // RFC 4291 §2.7: a multicast source is never valid; §2.5.3: the loopback
  // address neither leaves nor enters by a wire; §2.5.2: the unspecified
  // address is never a destination.
  if (wire::in6_is_multicast(ip->src) || wire::in6_is_unspecified(ip->dst) ||
      (wire::in6_is_loopback(ip->src) && !(ifp.if_flags & IFF_LOOPBACK)))
    return drop(ifp, m, s.badaddr);
  if (!for_us(in6, ifp, ip->dst)) return drop(ifp, m, s.notforus);  // hosts do not forward
  m->m_pkthdr.rcvif = &ifp;
  int off = wire::kIp6HdrLen;
  int nxt_off = 6;  // the Next Header byte that named the header at off
  uint8_t nxt = ip->nxt;
  for (int n = 0; n < kMaxExtHeaders; ++n) {
    switch (nxt) {
      case wire::IPPROTO_HOPOPTS_:
        // RFC 8200 §4.1: hop-by-hop options only right after the IPv6
        // header; elsewhere its next header value is unrecognised.
        if (off != wire::kIp6HdrLen) {
          icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_NEXTHEADER_, uint32_t(nxt_off));
          return drop(ifp, m, s.badoptions);
        }
        [[fallthrough]];
      case wire::IPPROTO_DSTOPTS_: {
        std::byte h[2];
        if (!rd(m, off, 2, h)) return drop(ifp, m, s.tooshort);
        const int hlen = wire::ip6_opthdr_len(h);
        if (off + hlen > pktlen) return drop(ifp, m, s.tooshort);
        if (!ip6_options(in6, ifp, m, off, hlen, *ip)) return;
        nxt_off = off;
        nxt = uint8_t(h[0]);
        off += hlen;
        continue;
      }
      case wire::IPPROTO_ROUTING_: {
        std::byte h[4];
        if (!rd(m, off, 4, h)) return drop(ifp, m, s.tooshort);
        auto rh = wire::ip6_routing_parse(wire::Bytes(h, 4));
        if (off + rh->len > pktlen) return drop(ifp, m, s.tooshort);
        // RFC 8200 §4.4: with segments left the node would have to forward;
        // a host recognises no routing type (RFC 5095 §3 deprecated type 0,
        // which is answered the same way), so: parameter problem pointing at
        // the routing type. Segments left 0: ignore the header.
        if (rh->segleft != 0) {
          icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_HEADER_, uint32_t(off + 2));
          return drop(ifp, m, s.badoptions);
        }
        nxt_off = off;
        nxt = rh->nxt;
        off += rh->len;
        continue;
      }
      case wire::IPPROTO_FRAGMENT_:
        if (!(m = frag6_input(in6, m, &off, nxt_off, &nxt))) return;
        pktlen = m->m_pkthdr.len;
        ip->plen = uint16_t(pktlen - wire::kIp6HdrLen);
        continue;
      case wire::IPPROTO_NONE_:  // RFC 8200 §4.7: nothing follows
        m_freem(m);
        return;
      default: {
        const Ip6ProtoSw& sw = in6.ip6_protox[nxt];
        if (!sw.pr_input) {
          // RFC 8200 §4: an unrecognised Next Header is a parameter problem
          // (code 1) pointing at the byte that named it.
          s.noproto++;
          icmp6_error(in6, m, wire::ICMP6_PARAM_PROB_, wire::ICMP6_PARAMPROB_NEXTHEADER_, uint32_t(nxt_off));
          ifp.if_data.rx_dropped++;
          m_freem(m);
          return;
        }
        s.delivered++;
        sw.pr_input(in6, m, off, *ip);
        return;
      }
    }
  }
  drop(ifp, m, s.toomanyhdr);
}

void ip6_ifinput(ifnet& ifp, mbuf* m) {
  Inet6* in6 = inet6_of(*ifp.if_stack);
  if (!in6) {
    ifp.if_data.rx_dropped++;
    m_freem(m);
    return;
  }
  ip6_input(*in6, ifp, m);
}

void ip6_protox_register(Inet6& in6, uint8_t proto, Ip6ProtoSw sw) { in6.ip6_protox[proto] = sw; }

bool ip6_lasthdr(std::span<const std::byte> pkt, uint8_t* proto, int* off) {
  if (pkt.size() < size_t(wire::kIp6HdrLen)) return false;
  uint8_t nxt = uint8_t(pkt[6]);
  size_t o = wire::kIp6HdrLen;
  for (int n = 0; n < kMaxExtHeaders; ++n) {
    switch (nxt) {
      case wire::IPPROTO_HOPOPTS_:
      case wire::IPPROTO_DSTOPTS_:
      case wire::IPPROTO_ROUTING_:
        if (o + 2 > pkt.size()) return false;
        nxt = uint8_t(pkt[o]);
        o += size_t(wire::ip6_opthdr_len(&pkt[o]));
        continue;
      case wire::IPPROTO_FRAGMENT_: {
        auto f = wire::ip6_frag_parse(pkt.subspan(std::min(o, pkt.size())));
        if (!f || f->off != 0) return false;  // only the first fragment names the upper layer
        nxt = f->nxt;
        o += wire::kIp6FragHdrLen;
        continue;
      }
      default:
        if (o > pkt.size()) return false;
        *proto = nxt;
        *off = int(o);
        return true;
    }
  }
  return false;
}

}  // namespace tunsock
