// IPv4/ICMP/UDP header parse and emit, the Internet checksum, and the
// tcpdump-style formatter (TCP's part in tcpdump.cpp). RFC 791 §3.1, RFC 792, RFC 768, RFC 1071.
// FreeBSD: netinet/in_cksum.c; tcpdump print-ip.c/print-icmp.c/print-udp.c.
#include "wire/ip.hpp"

#include <cstdio>

#include "wire/tcp.hpp"
#include "wire/tcpdump.hpp"

namespace tunsock::wire {

uint32_t cksum_add(uint32_t sum, Bytes b) {
  size_t i = 0;
  uint64_t s = sum;
  for (; i + 1 < b.size(); i += 2) s += get16(&b[i]);
  if (i < b.size()) s += uint32_t(b[i]) << 8;
  while (s >> 32) s = (s & 0xffffffff) + (s >> 32);
  return uint32_t(s);
}

uint16_t cksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len) {
  uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
  return uint32_t(s);
}

namespace {
bool options_ok(Bytes opt) {
  size_t i = 0;
  while (i < opt.size()) {
    uint8_t type = uint8_t(opt[i]);
    if (type == 0) return true;         // EOL: the rest is padding
    if (type == 1) { ++i; continue; }   // NOP
    if (i + 1 >= opt.size()) return false;
    size_t len = uint8_t(opt[i + 1]);
    if (len < 2 || i + len > opt.size()) return false;
    i += len;                           // parsed and skipped: no option is acted on
  }
  return true;
}
bool fail(IpError* why, IpError e) {
  if (why) *why = e;
  return false;
}
}  // namespace

std::optional<Ipv4Repr> ipv4_parse(Bytes p, IpError* why, size_t pktlen) {
  if (why) *why = IpError::kNone;
  if (pktlen == 0 || pktlen < p.size()) pktlen = p.size();
  if (p.size() < size_t(kIpHdrLen)) return fail(why, IpError::kTooShort), std::nullopt;
  uint8_t vh = uint8_t(p[0]);
  if ((vh >> 4) != 4) return fail(why, IpError::kVersion), std::nullopt;
  Ipv4Repr r;
  r.hlen = uint8_t((vh & 0xf) * 4);
  if (r.hlen < kIpHdrLen || r.hlen > p.size()) return fail(why, IpError::kHeaderLen), std::nullopt;
  r.total_len = get16(&p[2]);
  if (r.total_len < r.hlen || r.total_len > pktlen) return fail(why, IpError::kTotalLen), std::nullopt;
  if (cksum(p.first(r.hlen)) != 0) return fail(why, IpError::kChecksum), std::nullopt;
  if (!options_ok(p.subspan(kIpHdrLen, r.hlen - kIpHdrLen))) return fail(why, IpError::kOptions), std::nullopt;
  r.tos = uint8_t(p[1]);
  r.id = get16(&p[4]);
  uint16_t off = get16(&p[6]);
  r.df = off & IP_DF_;
  r.mf = off & IP_MF_;
  r.frag_off = uint16_t((off & IP_OFFMASK_) * 8);
  r.ttl = uint8_t(p[8]);
  r.proto = uint8_t(p[9]);
  r.src = get32(&p[12]);
  r.dst = get32(&p[16]);
  return r;
}

void ipv4_emit(std::byte* o, const Ipv4Repr& r) {
  o[0] = std::byte(0x45);
  o[1] = std::byte(r.tos);
  put16(o + 2, r.total_len);
  put16(o + 4, r.id);
  put16(o + 6, uint16_t((r.df ? IP_DF_ : 0) | (r.mf ? IP_MF_ : 0) | ((r.frag_off / 8) & IP_OFFMASK_)));
  o[8] = std::byte(r.ttl);
  o[9] = std::byte(r.proto);
  put16(o + 10, 0);
  put32(o + 12, r.src);
  put32(o + 16, r.dst);
  put16(o + 10, cksum(Bytes(o, kIpHdrLen)));
}

std::optional<IcmpRepr> icmp_parse(Bytes msg, bool verify) {
  if (msg.size() < size_t(kIcmpHdrLen)) return std::nullopt;
  if (verify && cksum(msg) != 0) return std::nullopt;
  IcmpRepr r;
  r.type = uint8_t(msg[0]);
  r.code = uint8_t(msg[1]);
  r.cksum = get16(&msg[2]);
  r.rest = get32(&msg[4]);
  return r;
}

std::optional<UdpRepr> udp_parse(Bytes seg) {
  if (seg.size() < size_t(kUdpHdrLen)) return std::nullopt;
  UdpRepr r{get16(&seg[0]), get16(&seg[2]), get16(&seg[4]), get16(&seg[6])};
  if (r.len < kUdpHdrLen || r.len > seg.size()) return std::nullopt;
  return r;
}

std::string ip4_str(uint32_t a) {
  char b[16];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
  return b;
}

namespace {
std::string icmp_text(Bytes m, size_t icmplen) {
  auto ic = icmp_parse(m, false);
  if (!ic) return "ICMP [|icmp]";
  std::string len = ", length " + std::to_string(icmplen);
  switch (ic->type) {
    case ICMP_ECHO_:
    case ICMP_ECHOREPLY_:
      return std::string("ICMP echo ") + (ic->type == ICMP_ECHO_ ? "request" : "reply") + ", id " +
             std::to_string(ic->id()) + ", seq " + std::to_string(ic->seq()) + len;
    case ICMP_UNREACH_: {
      // The quoted header says which destination (and port), as tcpdump's
      // print-icmp.c words it.
      Bytes inner = m.subspan(kIcmpHdrLen);
      if (inner.size() < size_t(kIpHdrLen)) return "ICMP unreachable, code " + std::to_string(ic->code) + len;
      const std::string dst = ip4_str(get32(&inner[16]));
      const uint8_t proto = uint8_t(inner[9]);
      const size_t hl = size_t(uint8_t(inner[0]) & 0xf) * 4;
      switch (ic->code) {
        case ICMP_UNREACH_NET_: return "ICMP net " + dst + " unreachable" + len;
        case ICMP_UNREACH_HOST_: return "ICMP host " + dst + " unreachable" + len;
        case ICMP_UNREACH_PROTOCOL_: return "ICMP " + dst + " protocol " + std::to_string(proto) + " unreachable" + len;
        case ICMP_UNREACH_PORT_:
          if (inner.size() >= hl + 4)
            return "ICMP " + dst + " " +
                   (proto == IPPROTO_UDP_   ? "udp"
                    : proto == IPPROTO_TCP_ ? "tcp"
                                            : "protocol " + std::to_string(proto)) +
                   " port " + std::to_string(get16(&inner[hl + 2])) + " unreachable" + len;
          break;
        case ICMP_UNREACH_NEEDFRAG_:
          return "ICMP " + dst + " unreachable - need to frag (mtu " + std::to_string(ic->rest & 0xffff) + ")" + len;
        default: break;
      }
      return "ICMP " + dst + " unreachable, code " + std::to_string(ic->code) + len;
    }
    case ICMP_TIMXCEED_:  // print-icmp.c's words for codes 0 and 1
      if (ic->code == 0) return "ICMP time exceeded in-transit" + len;
      if (ic->code == 1) return "ICMP ip reassembly time exceeded" + len;
      return "ICMP time exceeded-#" + std::to_string(ic->code) + len;
    default: return "ICMP type-#" + std::to_string(ic->type) + len;
  }
}
}  // namespace

std::string tcpdump_line(Bytes p) { return tcpdump_line(p, nullptr); }

std::string tcpdump_line(Bytes p, TcpdumpTracker* t) {
  if (p.empty()) return "IP  [|ip]";
  const int version = uint8_t(p[0]) >> 4;
  if (version == 6) return tcpdump_line6(p, t);
  if (version != 4) return "IP" + std::to_string(version) + " [|ip]";
  if (p.size() < size_t(kIpHdrLen)) return "IP  [|ip]";
  Ipv4Repr ip;
  ip.hlen = uint8_t((uint8_t(p[0]) & 0xf) * 4);
  ip.total_len = get16(&p[2]);
  uint16_t off = get16(&p[6]);
  ip.mf = off & IP_MF_;
  ip.frag_off = uint16_t((off & IP_OFFMASK_) * 8);
  ip.proto = uint8_t(p[9]);
  ip.src = get32(&p[12]);
  ip.dst = get32(&p[16]);
  if (ip.hlen < kIpHdrLen || ip.hlen > p.size()) return "IP " + ip4_str(ip.src) + " > " + ip4_str(ip.dst) + ": [|ip]";
  size_t plen = ip.total_len > ip.hlen ? ip.total_len - ip.hlen : 0;
  Bytes pay = p.subspan(ip.hlen);
  std::string s = "IP ";
  if (ip.frag_off != 0)  // a later fragment: tcpdump -n names only the protocol's number
    return s + ip4_str(ip.src) + " > " + ip4_str(ip.dst) + ": ip-proto-" + std::to_string(ip.proto);
  if (ip.proto == IPPROTO_UDP_ && pay.size() >= size_t(kUdpHdrLen)) {
    uint16_t ul = get16(&pay[4]);
    return s + ip4_str(ip.src) + "." + std::to_string(get16(&pay[0])) + " > " + ip4_str(ip.dst) + "." +
           std::to_string(get16(&pay[2])) + ": UDP, length " + std::to_string(ul >= 8 ? ul - 8 : 0);
  }
  if (ip.proto == IPPROTO_TCP_) return s + tcpdump_tcp(ip.src, ip.dst, pay, plen, t);
  s += ip4_str(ip.src) + " > " + ip4_str(ip.dst) + ": ";
  if (ip.proto == IPPROTO_ICMP_) return s + icmp_text(pay, plen);
  // print-udp.c: the ports when the capture holds them, else the addresses.
  if (ip.proto == IPPROTO_UDP_ && pay.size() >= 4)
    return "IP " + ip4_str(ip.src) + "." + std::to_string(get16(&pay[0])) + " > " + ip4_str(ip.dst) + "." +
           std::to_string(get16(&pay[2])) + ":  [|udp]";
  if (ip.proto == IPPROTO_UDP_) return s + " [|udp]";
  // tcpdump -n has no printer for these (UDP-Lite among them): its
  // ip_demux_print writes " ip-proto-N LEN" after the ": ", so two spaces.
  return s + " ip-proto-" + std::to_string(ip.proto) + " " + std::to_string(plen);
}

}  // namespace tunsock::wire
