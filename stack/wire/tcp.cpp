// TCP header and options: parse with validation, emit in Linux's layouts.
// RFC 9293 §3.1, §3.2; RFC 7323 §2.2, §3.2; RFC 2018 §2, §3.
// Linux: net/ipv4/tcp_output.c tcp_options_write(), tcp_input.c tcp_parse_options().
#include "wire/tcp.hpp"

namespace tunsock::wire {

namespace {

bool fail(TcpError* why, TcpError e) {
  if (why) *why = e;
  return false;
}

// One option TLV of known kind into o; false when its length is wrong for
// the kind (RFC 9293 §3.2 fixes MSS at 4, RFC 7323 window scale at 3 and
// timestamps at 10, RFC 2018 SACK-permitted at 2 and SACK at 2 + 8n).
bool take_option(TcpOptions& o, uint8_t kind, const std::byte* v, size_t len) {
  switch (kind) {
    case TCPOPT_MAXSEG_:
      if (len != 4) return false;
      o.mss = get16(v);
      return true;
    case TCPOPT_WINDOW_:
      if (len != 3) return false;
      o.wscale = uint8_t(v[0]);
      return true;
    case TCPOPT_SACK_PERMITTED_:
      if (len != 2) return false;
      o.sack_permitted = true;
      return true;
    case TCPOPT_TIMESTAMP_:
      if (len != 10) return false;
      o.has_ts = true;
      o.ts_val = get32(v);
      o.ts_ecr = get32(v + 4);
      return true;
    case TCPOPT_SACK_: {
      if (len < 10 || (len - 2) % 8 != 0) return false;
      size_t n = (len - 2) / 8;   // <= 4: the option lies inside 40 bytes
      o.nsack = uint8_t(n);
      for (size_t i = 0; i < n; ++i) o.sack[i] = {get32(v + 8 * i), get32(v + 8 * i + 4)};
      return true;
    }
    default:
      return true;  // unknown kinds are skipped by their length (RFC 9293 §3.2)
  }
}

bool parse_options(Bytes opt, TcpOptions& o) {
  size_t i = 0;
  while (i < opt.size()) {
    uint8_t kind = uint8_t(opt[i]);
    if (kind == TCPOPT_EOL_) return true;  // the rest is padding
    if (kind == TCPOPT_NOP_) { ++i; continue; }
    if (i + 1 >= opt.size()) return false;
    size_t len = uint8_t(opt[i + 1]);
    if (len < 2 || i + len > opt.size()) return false;
    if (!take_option(o, kind, &opt[i + 2], len)) return false;
    i += len;
  }
  return true;
}

std::byte* put4(std::byte* p, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  p[0] = std::byte(a);
  p[1] = std::byte(b);
  p[2] = std::byte(c);
  p[3] = std::byte(d);
  return p + 4;
}

}  // namespace

std::optional<TcpRepr> tcp_parse(Bytes seg, TcpError* why) {
  if (why) *why = TcpError::kNone;
  if (seg.size() < size_t(kTcpHdrLen)) return fail(why, TcpError::kTooShort), std::nullopt;
  TcpRepr r;
  r.hlen = uint8_t((uint8_t(seg[12]) >> 4) * 4);
  if (r.hlen < kTcpHdrLen || r.hlen > seg.size()) return fail(why, TcpError::kDataOffset), std::nullopt;
  if (!parse_options(seg.subspan(kTcpHdrLen, r.hlen - kTcpHdrLen), r.opts))
    return fail(why, TcpError::kOptions), std::nullopt;
  r.sport = get16(&seg[0]);
  r.dport = get16(&seg[2]);
  r.seq = get32(&seg[4]);
  r.ack = get32(&seg[8]);
  r.flags = uint8_t(seg[13]);
  r.win = get16(&seg[14]);
  r.cksum = get16(&seg[16]);
  r.urp = get16(&seg[18]);
  return r;
}

uint8_t tcp_sack_fit(const TcpOptions& o) {
  size_t used = (o.mss ? 4 : 0) + (o.has_ts ? 12 : 0) + (o.sack_permitted && !o.has_ts ? 4 : 0) +
                (o.wscale ? 4 : 0);
  size_t room = used + 4 < size_t(kTcpMaxOptLen) ? (kTcpMaxOptLen - used - 4) / 8 : 0;
  size_t n = o.nsack < kTcpMaxSack ? o.nsack : kTcpMaxSack;
  return uint8_t(n < room ? n : room);
}

size_t tcp_options_len(const TcpOptions& o) {
  size_t n = 0;
  if (o.mss) n += 4;
  if (o.has_ts) n += 12;                       // sackOK rides in the TS word
  if (o.sack_permitted && !o.has_ts) n += 4;   // nop,nop,sackOK
  if (o.wscale) n += 4;                        // nop,wscale
  if (uint8_t k = tcp_sack_fit(o)) n += 4 + 8 * size_t(k);
  return n;
}

size_t tcp_emit(std::byte* out, const TcpRepr& r) {
  const TcpOptions& o = r.opts;
  const size_t hlen = kTcpHdrLen + tcp_options_len(o);
  put16(out, r.sport);
  put16(out + 2, r.dport);
  put32(out + 4, r.seq);
  put32(out + 8, r.ack);
  out[12] = std::byte((hlen / 4) << 4);
  out[13] = std::byte(r.flags);
  put16(out + 14, r.win);
  put16(out + 16, 0);
  put16(out + 18, r.urp);
  // Linux's order and padding (tcp_options_write): MSS; timestamps, with
  // SACK-permitted in the NOP slots before them when both are sent; a lone
  // SACK-permitted after two NOPs; window scale after one NOP; SACK blocks
  // after two NOPs.
  std::byte* p = out + kTcpHdrLen;
  if (o.mss) p = put4(p, TCPOPT_MAXSEG_, 4, uint8_t(*o.mss >> 8), uint8_t(*o.mss));
  if (o.has_ts) {
    if (o.sack_permitted) p = put4(p, TCPOPT_SACK_PERMITTED_, 2, TCPOPT_TIMESTAMP_, 10);
    else p = put4(p, TCPOPT_NOP_, TCPOPT_NOP_, TCPOPT_TIMESTAMP_, 10);
    put32(p, o.ts_val);
    put32(p + 4, o.ts_ecr);
    p += 8;
  } else if (o.sack_permitted) {
    p = put4(p, TCPOPT_NOP_, TCPOPT_NOP_, TCPOPT_SACK_PERMITTED_, 2);
  }
  if (o.wscale) p = put4(p, TCPOPT_NOP_, TCPOPT_WINDOW_, 3, *o.wscale);
  if (uint8_t k = tcp_sack_fit(o)) {
    p = put4(p, TCPOPT_NOP_, TCPOPT_NOP_, TCPOPT_SACK_, uint8_t(2 + 8 * k));
    for (uint8_t i = 0; i < k; ++i, p += 8) {
      put32(p, o.sack[i].start);
      put32(p + 4, o.sack[i].end);
    }
  }
  return hlen;
}

}  // namespace tunsock::wire
