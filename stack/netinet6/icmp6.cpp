// ICMPv6 (RFC 4443): echo replies (§4.2), errors sent under the rules of
// §2.4(e) (never about an ICMPv6 error or a redirect, about a multicast
// destination only for Packet Too Big and an unrecognised option of type
// 10xxxxxx, never to an address that names no single node) and the rate
// limit of §2.4(f) as Linux keeps it (icmpv6_xrlim_allow: a token bucket
// per destination, burst 6, net.ipv6.icmp.ratelimit 1000 ms scaled down for
// wide routes, Packet Too Big and informational messages not limited);
// errors received go to the quoted protocol's pr_ctlinput with the errno
// Linux's icmpv6_err_convert gives, Packet Too Big first lowering the path
// MTU (RFC 8201 §4).
// On a TUN device there is no neighbour discovery to do (RFC 4861 needs a
// link with link-layer addresses): router and neighbour solicitations and
// advertisements and redirects the host's kernel sends are consumed unanswered.
// FreeBSD: netinet6/icmp6.c (icmp6_input, icmp6_error, icmp6_ratelimit);
// Linux: ipv6/icmp.c (icmpv6_err_convert, icmpv6_xrlim_allow).
#include <algorithm>
#include <cerrno>
#include <vector>

#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

constexpr int kBurst = 6;  // Linux XRLIM_BURST_FACTOR

uint16_t icmp6_sum(const In6& src, const In6& dst, std::span<const std::byte> msg) {
  return wire::cksum_finish(wire::cksum_add(wire::pseudo_sum6(src, dst, uint32_t(msg.size()), 58), msg));
}

// Linux icmpv6_mask_allow + icmpv6_xrlim_allow + inet_peer_xrlim_allow.
bool rate_allow(Inet6& in6, const In6& dst, uint8_t type, const ifnet* ifp) {
  if (type >= 128 || type == wire::ICMP6_PACKET_TOO_BIG_) return true;  // not in net.ipv6.icmp.ratemask
  if (ifp && (ifp->if_flags & IFF_LOOPBACK)) return true;               // no limit towards ourselves
  // A route covering many hosts gets a shorter interval (Linux: tmo >>=
  // (128 - plen) >> 5): /64 a quarter, the default route a sixteenth.
  const Route6* r = rt6_lookup(in6, dst);
  const int plen = r ? r->plen : 128;
  const Time tmo = in6.icmp6_ratelimit / (int64_t(1) << ((128 - plen) >> 5));
  const Time now = in6.st.now();
  auto it = in6.icmp6_bucket.find(dst);
  if (it == in6.icmp6_bucket.end()) {
    if (in6.icmp6_bucket.size() >= 4096) in6.icmp6_bucket.erase(in6.icmp6_bucket.begin());
    // A new peer starts with its last send 60 s ago: a full burst (Linux inet_getpeer).
    it = in6.icmp6_bucket.emplace(dst, Icmp6Bucket{Time{0}, now - std::chrono::seconds(60)}).first;
  }
  Icmp6Bucket& b = it->second;
  Time token = b.tokens + (now - b.last);
  b.last = now;
  token = std::min(token, kBurst * tmo);
  bool ok = false;
  if (token >= tmo) {
    token -= tmo;
    ok = true;
  }
  b.tokens = token;
  return ok;
}

// RFC 4443 §2.4(e.1, e.2): whether the invoking packet is an ICMPv6 error
// or a redirect (its header chain walked to the upper layer).
bool is_error_or_redirect(std::span<const std::byte> pkt) {
  uint8_t proto = 0;
  int off = 0;
  if (!ip6_lasthdr(pkt, &proto, &off) || proto != wire::IPPROTO_ICMPV6_) return false;
  if (size_t(off) >= pkt.size()) return true;  // cannot tell: send nothing
  const uint8_t type = uint8_t(pkt[size_t(off)]);
  return type < 128 || type == wire::ND_REDIRECT_;
}

void send_icmp6(Inet6& in6, const In6& src, const In6& dst, std::vector<std::byte>& msg, bool minmtu) {
  wire::put16(&msg[2], 0);
  wire::put16(&msg[2], icmp6_sum(src, dst, msg));
  mbuf* m = m_devget(msg.data(), int(msg.size()), M_NOWAIT, true);
  if (!m) return;
  Ip6OutOpts o;
  o.minmtu = minmtu;
  if (ip6_output(in6, m, src, dst, wire::IPPROTO_ICMPV6_, o) == 0) {
    in6.icmp6stat.outmsgs++;
    in6.icmp6stat.outtype[uint8_t(msg[0])]++;
  }
}

void echo_reply(Inet6& in6, std::vector<std::byte>& msg, const wire::Ip6Repr& ip) {
  // RFC 4443 §4.2: from the address the request went to, or, for a
  // multicast request, a unicast address of ours chosen as for any packet.
  In6 src{};
  if (!wire::in6_is_multicast(ip.dst)) src = ip.dst;
  else if (in6_selectsrc(in6, ip.src, nullptr, &src) != 0) return;
  msg[0] = std::byte(wire::ICMP6_ECHO_REPLY_);
  msg[1] = std::byte(0);
  in6.icmp6stat.outechoreply++;
  send_icmp6(in6, src, ip.src, msg, false);
}

void error_input(Inet6& in6, const std::vector<std::byte>& msg, const wire::Ip6Repr& ip) {
  Icmp6Stat& c = in6.icmp6stat;
  c.inerrors++;
  if (msg.size() < 8 + size_t(wire::kIp6HdrLen)) {
    c.tooshort++;
    return;
  }
  const uint8_t type = uint8_t(msg[0]), code = uint8_t(msg[1]);
  std::span<const std::byte> quoted(msg.data() + 8, msg.size() - 8);
  Ip6CtlParam p;
  p.type = type;
  p.code = code;
  p.info = wire::get32(&msg[4]);
  p.offender = ip.src;
  for (int i = 0; i < 16; ++i) {
    p.src[size_t(i)] = uint8_t(quoted[size_t(8 + i)]);
    p.dst[size_t(i)] = uint8_t(quoted[size_t(24 + i)]);
  }
  // Only a datagram we sent is ours to hear about.
  if (!in6_localaddr(in6, p.src)) return;
  // RFC 8201 §4: the path MTU towards the quoted destination, before the
  // transport hears of it (it may resend at once).
  if (type == wire::ICMP6_PACKET_TOO_BIG_) ip6_pmtu_update(in6, p.dst, p.info);
  if (!ip6_lasthdr(quoted, &p.proto, &p.off)) return;
  const Ip6ProtoSw& sw = in6.ip6_protox[p.proto];
  if (!sw.pr_ctlinput) return;
  p.quoted = quoted;
  p.error = icmp6_errno(type, code, &p.fatal);
  c.inerrors_delivered++;
  sw.pr_ctlinput(in6, p);
}

}  // namespace

int icmp6_errno(uint8_t type, uint8_t code, bool* fatal) {
  // Linux ipv6/icmp.c tab_unreach, by Destination Unreachable code.
  static constexpr struct {
    int err;
    bool fatal;
  } unreach[] = {
      {ENETUNREACH, false},   // 0 no route to destination
      {EACCES, true},         // 1 administratively prohibited
      {EHOSTUNREACH, false},  // 2 beyond scope of source address
      {EHOSTUNREACH, false},  // 3 address unreachable
      {ECONNREFUSED, true},   // 4 port unreachable
      {EACCES, true},         // 5 source address failed ingress/egress policy
      {EACCES, true},         // 6 reject route to destination
  };
  *fatal = false;
  switch (type) {
    case wire::ICMP6_DST_UNREACH_:
      if (code < std::size(unreach)) {
        *fatal = unreach[code].fatal;
        return unreach[code].err;
      }
      *fatal = true;
      return EPROTO;
    case wire::ICMP6_PACKET_TOO_BIG_: return EMSGSIZE;
    case wire::ICMP6_PARAM_PROB_: *fatal = true; return EPROTO;
    case wire::ICMP6_TIME_EXCEEDED_: return EHOSTUNREACH;
    default: return EPROTO;
  }
}

void icmp6_error(Inet6& in6, const mbuf* orig, uint8_t type, uint8_t code, uint32_t info) {
  Icmp6Stat& c = in6.icmp6stat;
  // RFC 4443 §2.4(c): as much of the invoking packet as fits in 1280 bytes.
  constexpr int kRoom = int(wire::kIp6MinMtu) - wire::kIp6HdrLen - 8;
  const int n = std::min(orig->m_pkthdr.len, kRoom);
  if (n < wire::kIp6HdrLen) return;
  std::vector<std::byte> msg(size_t(8 + n));
  m_copydata(orig, 0, n, msg.data() + 8);
  std::span<const std::byte> head(msg.data() + 8, size_t(n));
  auto ip = wire::ip6_parse(head, nullptr, size_t(orig->m_pkthdr.len));
  if (!ip) return;
  if (is_error_or_redirect(head)) {  // §2.4(e.1, e.2)
    c.olderr++;
    return;
  }
  // §2.4(e.3): not about a multicast destination, but for Packet Too Big
  // and a parameter problem code 2 (an option whose type asks for it).
  const bool mcast_ok =
      type == wire::ICMP6_PACKET_TOO_BIG_ || (type == wire::ICMP6_PARAM_PROB_ && code == wire::ICMP6_PARAMPROB_OPTION_);
  // §2.4(e.6): nor to a source that names no single node.
  if ((wire::in6_is_multicast(ip->dst) && !mcast_ok) || wire::in6_is_unspecified(ip->src) ||
      wire::in6_is_multicast(ip->src)) {
    c.omcast++;
    return;
  }
  In6 src{};
  if (!wire::in6_is_multicast(ip->dst) && in6_localaddr(in6, ip->dst)) src = ip->dst;
  else if (in6_selectsrc(in6, ip->src, nullptr, &src) != 0) return;
  if (!rate_allow(in6, ip->src, type, in6_out_ifp(in6, ip->src))) {  // §2.4(f)
    c.ratelimited++;
    return;
  }
  msg[0] = std::byte(type);
  msg[1] = std::byte(code);
  wire::put32(&msg[4], info);
  c.outerrors++;
  send_icmp6(in6, src, ip->src, msg, true);
}

void icmp6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip) {
  Icmp6Stat& c = in6.icmp6stat;
  c.inmsgs++;
  const int len = m->m_pkthdr.len - off;
  if (len < 4) {
    c.tooshort++;
    m_freem(m);
    return;
  }
  std::vector<std::byte> msg(static_cast<size_t>(len));
  m_copydata(m, off, len, msg.data());
  m_freem(m);
  // RFC 4443 §2.3: the checksum covers the pseudo-header (RFC 8200 §8.1).
  if (icmp6_sum(ip.src, ip.dst, msg) != 0) {
    c.checksum++;
    return;
  }
  const uint8_t type = uint8_t(msg[0]);
  c.intype[type]++;
  rip6_input(in6, msg, ip);  // raw ICMPv6 sockets see every message (RFC 3542 §3.2)
  if (type < 128) return error_input(in6, msg, ip);  // §2.4(b): unknown errors go up too
  switch (type) {
    case wire::ICMP6_ECHO_REQUEST_:
      c.inecho++;
      if (len < 8) {
        c.tooshort++;
        return;
      }
      return echo_reply(in6, msg, ip);
    case wire::ICMP6_ECHO_REPLY_:
      ping6_input(in6, msg, ip);
      return;
    default:
      // §2.4(a): unknown informational messages are discarded; so is
      // neighbour discovery (133-137), which a TUN link does not need.
      c.unknown++;
      return;
  }
}

}  // namespace tunsock
