// ICMP (RFC 792, RFC 1122 §3.2.2): echo reply, error generation with Linux's
// rules and per-destination rate limit (icmp_ratelimit 1000 ms, burst 6,
// none on loopback), and errors received handed to the protocol of the
// quoted datagram (FreeBSD pr_ctlinput). FreeBSD: netinet/ip_icmp.c.
#include <cerrno>
#include <iterator>

#include "netinet/in_var.hpp"

namespace tunsock {

namespace {

constexpr Time kIcmpRate = std::chrono::milliseconds(1000);
constexpr int kIcmpBurst = 6;

// Linux inet_peer_xrlim_allow: a token bucket in units of time.
bool icmp_ratelimit_ok(Inet& in, uint32_t dst) {
  auto [it, fresh] = in.icmp_bucket.try_emplace(dst, Time{0}, kIcmpBurst);
  auto& [last, tokens] = it->second;
  Time now = in.st.now();
  if (!fresh) {
    int64_t gained = (now - last) / kIcmpRate;
    tokens = int(std::min<int64_t>(kIcmpBurst, tokens + gained));
  }
  last = now;
  if (tokens <= 0) return false;
  tokens--;
  if (in.icmp_bucket.size() > 4096) in.icmp_bucket.clear();  // bounded memory
  return true;
}

void icmp_send(Inet& in, mbuf* m, uint32_t src, uint32_t dst, uint8_t tos) {
  int len = m_length(m);
  wire::put16(m->m_data + 2, 0);
  wire::put16(m->m_data + 2, wire::cksum_finish(in_cksum_chain(m, 0, len, 0)));
  in.icmpstat.outmsgs++;
  IpOutOpts o;
  o.tos = tos;
  ip_output(in, m, src, dst, wire::IPPROTO_ICMP_, o);
}

void icmp_reflect_echo(Inet& in, mbuf* m, const wire::Ipv4Repr& ip, int icmplen) {
  // RFC 1122 §3.2.2.6: the reply carries the request's data; Linux ignores
  // echo requests to broadcast (icmp_echo_ignore_broadcasts = 1).
  if (in_broadcast(in, ip.dst)) return;
  mbuf* r = m_copym(m, ip.hlen, icmplen, M_NOWAIT);
  if (!r || !(r = m_pullup(r, wire::kIcmpHdrLen))) return;
  r->m_data[0] = std::byte(wire::ICMP_ECHOREPLY_);
  in.icmpstat.outechoreply++;
  icmp_send(in, r, ip.dst, ip.src, ip.tos);
}

// Linux icmp_err_convert[], code by code: the errno and whether it is fatal.
struct IcmpErr {
  int err;
  bool fatal;
};
constexpr IcmpErr kUnreach[] = {
    {ENETUNREACH, false},  // 0 net
    {EHOSTUNREACH, false}, // 1 host
    {ENOPROTOOPT, true},   // 2 protocol
    {ECONNREFUSED, true},  // 3 port
    {EMSGSIZE, false},     // 4 fragmentation needed
    {EOPNOTSUPP, false},   // 5 source route failed
    {ENETUNREACH, true},   // 6 net unknown
    {EHOSTDOWN, true},     // 7 host unknown
    {ENONET, true},        // 8 source host isolated
    {EACCES, true},        // 9 net prohibited
    {EACCES, true},        // 10 host prohibited
    {ENETUNREACH, false},  // 11 net for TOS
    {EHOSTUNREACH, false}, // 12 host for TOS
    {EHOSTUNREACH, true},  // 13 administratively prohibited
    {EHOSTUNREACH, true},  // 14 host precedence violation
    {EHOSTUNREACH, true},  // 15 precedence cut-off
};

int icmp_errno(uint8_t type, uint8_t code, bool* hard) {
  *hard = false;
  switch (type) {
    case wire::ICMP_UNREACH_:
      if (code >= std::size(kUnreach)) return EHOSTUNREACH;  // Linux: NR_ICMP_UNREACH and beyond
      *hard = kUnreach[code].fatal;
      return kUnreach[code].err;
    case wire::ICMP_TIMXCEED_: return EHOSTUNREACH;
    case wire::ICMP_PARAMPROB_: *hard = true; return EPROTO;
    default: return 0;
  }
}

}  // namespace

// Exposed for udp/ping ctlinput.
int icmp_to_errno(uint8_t type, uint8_t code, bool* hard) { return icmp_errno(type, code, hard); }

void icmp_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip) {
  rip_input(in, m, ip);  // raw ICMP sockets see every message, as before any check (Linux raw_local_deliver)
  IcmpStat& s = in.icmpstat;
  s.inmsgs++;
  const int icmplen = ip.total_len - ip.hlen;
  ifnet* ifp = m->m_pkthdr.rcvif;
  if (icmplen < wire::kIcmpHdrLen || !(m = m_pullup(m, std::min(ip.total_len, uint16_t(ip.hlen + 8))))) {
    s.tooshort++;
    if (ifp) ifp->if_data.rx_dropped++;
    if (m) m_freem(m);
    return;
  }
  if (wire::cksum_finish(in_cksum_chain(m, ip.hlen, icmplen, 0)) != 0) {
    s.checksum++;
    if (ifp) ifp->if_data.rx_dropped++;
    m_freem(m);
    return;
  }
  auto ic = *wire::icmp_parse(wire::Bytes(m->m_data + ip.hlen, 8), false);
  switch (ic.type) {
    case wire::ICMP_ECHO_:
      s.inecho++;
      icmp_reflect_echo(in, m, ip, icmplen);
      break;
    case wire::ICMP_ECHOREPLY_:
      s.inechoreply++;
      ping_input(in, m, ip);
      break;
    case wire::ICMP_UNREACH_:
    case wire::ICMP_TIMXCEED_:
    case wire::ICMP_PARAMPROB_:
    case wire::ICMP_SOURCEQUENCH_: {
      if (ic.type == wire::ICMP_UNREACH_) s.inunreach++;
      // The quoted datagram: its header and at least 8 bytes (RFC 792).
      int qlen = icmplen - wire::kIcmpHdrLen;
      if (qlen < wire::kIpHdrLen + 8) {
        s.badcode++;
        break;
      }
      std::vector<std::byte> q(static_cast<size_t>(qlen));
      m_copydata(m, ip.hlen + wire::kIcmpHdrLen, qlen, q.data());
      int qhl = (uint8_t(q[0]) & 0xf) * 4;
      if ((uint8_t(q[0]) >> 4) != 4 || qhl < wire::kIpHdrLen || qhl + 8 > qlen) {
        s.badcode++;
        break;
      }
      // RFC 1191 §6.3: "fragmentation needed" lowers the path MTU towards
      // the quoted destination (of a datagram we sent) before the protocol hears of it.
      if (ic.type == wire::ICMP_UNREACH_ && ic.code == wire::ICMP_UNREACH_NEEDFRAG_ &&
          in_localaddr(in, wire::get32(&q[12])))
        ip_pmtu_update(in, wire::get32(&q[16]), ic.rest & 0xffff);
      // FreeBSD icmp_input: the quoted protocol's pr_ctlinput.
      if (auto ctl = in.ip_protox[uint8_t(q[9])].pr_ctlinput) ctl(in, ic, ip.src, q);
      break;
    }
    default:
      break;
  }
  m_freem(m);
}

void icmp_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> quoted) {
  ping_ctlinput(in, ic, offender, quoted);
  rip_ctlinput(in, ic, offender, quoted);  // raw ICMP sockets (Linux raw_icmp_error)
}

void icmp_error(Inet& in, const mbuf* orig, const wire::Ipv4Repr& ip, uint8_t type, uint8_t code, uint32_t info) {
  // RFC 1122 §3.2.2: never about an ICMP error, a non-first fragment, a
  // broadcast, or a source that names no single host.
  if (ip.frag_off != 0 || in_broadcast(in, ip.dst) || (ip.dst >> 28) == 0xe || ip.src == 0 ||
      in_broadcast(in, ip.src) || (ip.src >> 28) >= 0xe) {
    in.icmpstat.olderr++;
    return;
  }
  if (ip.proto == wire::IPPROTO_ICMP_ && ip.total_len >= ip.hlen + 1) {
    std::byte t;
    m_copydata(orig, ip.hlen, 1, &t);
    uint8_t tt = uint8_t(t);
    if (tt != wire::ICMP_ECHO_ && tt != wire::ICMP_ECHOREPLY_ && tt != 13 && tt != 14) {
      in.icmpstat.olderr++;
      return;
    }
  }
  bool loop = orig->m_pkthdr.rcvif && (orig->m_pkthdr.rcvif->if_flags & IFF_LOOPBACK);
  if (!loop && !icmp_ratelimit_ok(in, ip.src)) {
    in.icmpstat.ratelimited++;
    return;
  }
  // Quote as much as fits in 576 bytes (Linux icmp_send, RFC 1812 §4.3.2.3).
  int qlen = std::min<int>(ip.total_len, 576 - wire::kIpHdrLen - wire::kIcmpHdrLen);
  mbuf* m = m_get2(wire::kIcmpHdrLen + qlen, M_NOWAIT, MType::Data, true);
  if (!m) return;
  m->m_len = wire::kIcmpHdrLen + qlen;
  m->m_pkthdr.len = m->m_len;
  std::byte* p = m->m_data;
  p[0] = std::byte(type);
  p[1] = std::byte(code);
  wire::put16(p + 2, 0);
  wire::put32(p + 4, info);
  m_copydata(orig, 0, qlen, p + wire::kIcmpHdrLen);
  if (type == wire::ICMP_UNREACH_) in.icmpstat.outunreach++;
  uint32_t src = in_localaddr(in, ip.dst) ? ip.dst : in_pcbsrc(in, 0, ip.src);
  // Linux: errors go with precedence "internetwork control".
  icmp_send(in, m, src, ip.src, uint8_t((ip.tos & 0x1e) | 0xc0));
}

}  // namespace tunsock
