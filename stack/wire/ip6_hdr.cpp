// IPv6 header and extension header views (see ip6_hdr.hpp).
// RFC 8200 §3, §4, §8.1; RFC 4291 §2.
#include "wire/ip6_hdr.hpp"

#include <arpa/inet.h>

namespace tunsock::wire {

std::optional<Ip6Repr> ip6_parse(Bytes b, Ip6Error* why, size_t pktlen) {
  auto fail = [&](Ip6Error e) -> std::optional<Ip6Repr> {
    if (why) *why = e;
    return std::nullopt;
  };
  if (why) *why = Ip6Error::kNone;
  if (pktlen == 0) pktlen = b.size();
  if (b.size() < size_t(kIp6HdrLen) || pktlen < size_t(kIp6HdrLen)) return fail(Ip6Error::kTooShort);
  const uint32_t w = get32(&b[0]);
  if ((w >> 28) != 6) return fail(Ip6Error::kVersion);
  Ip6Repr r;
  r.tclass = uint8_t(w >> 20);
  r.flow = w & 0xfffff;
  r.plen = get16(&b[4]);
  r.nxt = uint8_t(b[6]);
  r.hlim = uint8_t(b[7]);
  for (int i = 0; i < 16; ++i) {
    r.src[size_t(i)] = uint8_t(b[size_t(8 + i)]);
    r.dst[size_t(i)] = uint8_t(b[size_t(24 + i)]);
  }
  // RFC 8200 §3: payload length 0 is a jumbogram (RFC 2675), which a link
  // of MTU < 64 KiB never carries: refused with the lying lengths.
  if (r.plen == 0 && pktlen > size_t(kIp6HdrLen)) return fail(Ip6Error::kPayloadLen);
  if (size_t(kIp6HdrLen) + r.plen > pktlen) return fail(Ip6Error::kPayloadLen);
  return r;
}

void ip6_emit(std::byte* o, const Ip6Repr& r) {
  put32(o, (uint32_t(6) << 28) | (uint32_t(r.tclass) << 20) | (r.flow & 0xfffff));
  put16(o + 4, r.plen);
  o[6] = std::byte(r.nxt);
  o[7] = std::byte(r.hlim);
  for (int i = 0; i < 16; ++i) {
    o[8 + i] = std::byte(r.src[size_t(i)]);
    o[24 + i] = std::byte(r.dst[size_t(i)]);
  }
}

std::optional<Ip6RoutingView> ip6_routing_parse(Bytes b) {
  if (b.size() < 4) return std::nullopt;
  return Ip6RoutingView{uint8_t(b[0]), uint8_t(b[2]), uint8_t(b[3]), (int(uint8_t(b[1])) + 1) * 8};
}

std::optional<Ip6FragView> ip6_frag_parse(Bytes b) {
  if (b.size() < size_t(kIp6FragHdrLen)) return std::nullopt;
  Ip6FragView f;
  f.nxt = uint8_t(b[0]);
  const uint16_t om = get16(&b[2]);
  f.off = uint16_t(om & 0xfff8);
  f.m = om & 1;
  f.id = get32(&b[4]);
  return f;
}

void ip6_frag_emit(std::byte* o, const Ip6FragView& f) {
  o[0] = std::byte(f.nxt);
  o[1] = std::byte(0);
  put16(o + 2, uint16_t((f.off & 0xfff8) | (f.m ? 1 : 0)));
  put32(o + 4, f.id);
}

uint32_t pseudo_sum6(const In6& src, const In6& dst, uint32_t len, uint8_t nxt) {
  uint32_t s = cksum_add(0, std::as_bytes(std::span(src)));
  s = cksum_add(s, std::as_bytes(std::span(dst)));
  std::byte tail[8];
  put32(tail, len);
  put32(tail + 4, nxt);
  return cksum_add(s, Bytes(tail, 8));
}

int in6_scope(const In6& a) {
  if (in6_is_multicast(a)) return a[1] & 0xf;
  if (in6_is_linklocal(a) || in6_is_loopback(a)) return 2;  // RFC 4007 §4: loopback is link-local scope
  return 0xe;
}

bool in6_prefix_match(const In6& a, const In6& p, int plen) { return in6_mask(a, plen) == in6_mask(p, plen); }

In6 in6_mask(const In6& a, int plen) {
  In6 r{};
  for (int i = 0; i < 16 && plen > 0; ++i, plen -= 8)
    r[size_t(i)] = uint8_t(a[size_t(i)] & (plen >= 8 ? 0xff : (0xff << (8 - plen)) & 0xff));
  return r;
}

std::string ip6_str(const In6& a) {
  char b[INET6_ADDRSTRLEN];
  return ::inet_ntop(AF_INET6, a.data(), b, sizeof b) ? b : "?";
}

std::optional<In6> ip6_pton(const std::string& s) {
  In6 a;
  if (::inet_pton(AF_INET6, s.c_str(), a.data()) != 1) return std::nullopt;
  return a;
}

}  // namespace tunsock::wire
