// tcpdump's one-line summary of an IPv6 packet: UDP, TCP (tcpdump.cpp's
// segment text with IPv6 addresses), ICMPv6 with neighbour discovery and
// MLD, behind hop-by-hop, destination options and fragment headers, as
// `tcpdump -n` prints them.
// RFC 8200 §3 (header), §4 (extension headers), RFC 4443 (ICMPv6), RFC 4861
// (neighbour discovery). tcpdump: print-ip6.c, print-icmp6.c, print-udp.c.
#include <arpa/inet.h>

#include "wire/ip.hpp"
#include "wire/tcpdump.hpp"

namespace tunsock::wire {
namespace {

constexpr size_t kIp6HdrLen = 40;
constexpr uint8_t kNextHopByHop = 0, kNextTcp = 6, kNextUdp = 17, kNextFragment = 44, kNextIcmp6 = 58,
                  kNextDstOpts = 60;

std::string ip6_str(Bytes a) {
  char b[INET6_ADDRSTRLEN];
  return ::inet_ntop(AF_INET6, a.data(), b, sizeof b) ? b : "?";
}

// RFC 4443 §2.1 and RFC 4861 §4 type names, as tcpdump spells them.
std::string icmp6_text(Bytes m, size_t len) {
  if (m.size() < 4) return "ICMP6 [|icmp6]";
  const uint8_t type = uint8_t(m[0]), code = uint8_t(m[1]);
  const std::string l = ", length " + std::to_string(len);
  auto target = [&](const char* what) {
    return m.size() >= 24 ? std::string(", ") + what + " " + ip6_str(m.subspan(8, 16)) : std::string();
  };
  switch (type) {
    case 1: {
      static const char* codes[] = {"unreachable route", "unreachable prohibited", "beyond scope",
                                    "unreachable address", "unreachable port"};
      return std::string("ICMP6, destination unreachable, ") +
             (code < 5 ? codes[code] : "code-#" + std::to_string(code)) + l;
    }
    case 2: return "ICMP6, packet too big" + (m.size() >= 8 ? ", mtu " + std::to_string(get32(&m[4])) : "") + l;
    case 3: return "ICMP6, time exceeded in-transit" + l;
    case 4: return "ICMP6, parameter problem" + l;
    case 128:
    case 129:
      if (m.size() < 8) return "ICMP6 [|icmp6]";
      return std::string("ICMP6, echo ") + (type == 128 ? "request" : "reply") + ", id " + std::to_string(get16(&m[4])) +
             ", seq " + std::to_string(get16(&m[6])) + l;
    case 133: return "ICMP6, router solicitation" + l;
    case 134: return "ICMP6, router advertisement" + l;
    case 135: return "ICMP6, neighbor solicitation" + target("who has") + l;
    case 136: return "ICMP6, neighbor advertisement" + target("tgt is") + l;
    case 143:
      return "ICMP6, multicast listener report v2" +
             (m.size() >= 8 ? ", " + std::to_string(get16(&m[6])) + " group record(s)" : "") + l;
    default: return "ICMP6, type-#" + std::to_string(type) + l;
  }
}

}  // namespace

std::string tcpdump_line6(Bytes p, TcpdumpTracker* t) {
  if (p.size() < kIp6HdrLen) return " [|ip6]";  // print-ip6.c names nothing before a whole header
  const size_t plen = get16(&p[4]);
  uint8_t next = uint8_t(p[6]);
  const std::string src = ip6_str(p.subspan(8, 16)), dst = ip6_str(p.subspan(24, 16));
  const std::string head = "IP6 " + src + " > " + dst + ": ";
  Bytes pay = p.subspan(kIp6HdrLen);
  size_t left = plen;
  // Extension headers (RFC 8200 §4) as tcpdump names them, each followed by
  // the next one's text; a later fragment ends the line (print-frag6.c: its
  // payload cannot be decoded). Bounded: a chain longer than this is shown
  // by its protocol number.
  std::string ext;
  for (int n = 0; n < 8; ++n) {
    if (next == kNextHopByHop || next == kNextDstOpts) {  // MLD reports carry a router alert
      const char* name = next == kNextHopByHop ? "HBH " : "DSTOPT ";
      if (pay.size() < 2) return head + ext + name + "[|ip6]";
      const size_t hl = (size_t(uint8_t(pay[1])) + 1) * 8;
      next = uint8_t(pay[0]);
      ext += name;
      pay = pay.size() >= hl ? pay.subspan(hl) : Bytes();
      left = left >= hl ? left - hl : 0;
    } else if (next == kNextFragment) {
      if (pay.size() < 8) return head + ext + "frag [|frag]";
      const size_t off = get16(&pay[2]) & 0xfff8;
      left = left >= 8 ? left - 8 : 0;
      ext += "frag (" + std::to_string(off) + "|" + std::to_string(left) + ")";
      if (off != 0) return head + ext;
      ext += ' ';
      next = uint8_t(pay[0]);
      pay = pay.subspan(8);
    } else {
      break;
    }
  }
  if (next == kNextUdp && pay.size() >= size_t(kUdpHdrLen)) {
    const uint16_t ul = get16(&pay[4]);
    const std::string sport = std::to_string(get16(&pay[0])), dport = std::to_string(get16(&pay[2]));
    const std::string text = "UDP, length " + std::to_string(ul >= 8 ? ul - 8 : 0);
    // After an extension header print-udp.c names the ports alone.
    if (!ext.empty()) return head + ext + sport + " > " + dport + ": " + text;
    return "IP6 " + src + "." + sport + " > " + dst + "." + dport + ": " + text;
  }
  if (next == kNextTcp) {
    std::string seg = tcpdump_tcp6(p.subspan(8, 16), p.subspan(24, 16), pay, left, t);
    if (ext.empty()) return "IP6 " + seg;
    // The segment's text names the endpoints as addr.port; after an
    // extension header tcpdump prints the ports alone.
    if (pay.size() >= 4) {
      const size_t colon = seg.find(": ");
      if (colon != std::string::npos)
        return head + ext + std::to_string(get16(&pay[0])) + " > " + std::to_string(get16(&pay[2])) + seg.substr(colon);
    }
    return head + ext + seg;
  }
  std::string s = head + ext;
  if (next == kNextIcmp6) return s + icmp6_text(pay, left);
  if (next == kNextUdp) return s + "UDP [|udp]";
  return s + " ip-proto-" + std::to_string(next) + " " + std::to_string(left);
}

}  // namespace tunsock::wire
