// TEMPORARY: see tcp_wire_shim.hpp. Parse and emit of the TCP header and
// options (RFC 9293 §3.1-3.2, RFC 7323, RFC 2018) in Linux's layouts.
#include "netinet/tcp_wire_shim.hpp"

namespace tunsock::tcpwire {

std::optional<TcpRepr> tcp_parse(Bytes seg, TcpError* why) {
  auto fail = [&](TcpError e) -> std::optional<TcpRepr> {
    if (why) *why = e;
    return std::nullopt;
  };
  if (seg.size() < size_t(kTcpHdrLen)) return fail(TcpError::kTooShort);
  TcpRepr r;
  r.sport = get16(&seg[0]);
  r.dport = get16(&seg[2]);
  r.seq = get32(&seg[4]);
  r.ack = get32(&seg[8]);
  r.hlen = uint8_t((uint8_t(seg[12]) >> 4) * 4);
  r.flags = uint8_t(seg[13]);
  r.win = get16(&seg[14]);
  r.cksum = get16(&seg[16]);
  r.urp = get16(&seg[18]);
  if (r.hlen < kTcpHdrLen || r.hlen > seg.size()) return fail(TcpError::kDataOffset);
  size_t i = kTcpHdrLen;
  while (i < r.hlen) {
    uint8_t kind = uint8_t(seg[i]);
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= r.hlen) return fail(TcpError::kOptions);
    uint8_t len = uint8_t(seg[i + 1]);
    if (len < 2 || i + len > r.hlen) return fail(TcpError::kOptions);
    const std::byte* p = &seg[i + 2];
    switch (kind) {
      case 2:
        if (len != 4) return fail(TcpError::kOptions);
        r.opts.mss = get16(p);
        break;
      case 3:
        if (len != 3) return fail(TcpError::kOptions);
        r.opts.wscale = uint8_t(p[0]);
        break;
      case 4:
        if (len != 2) return fail(TcpError::kOptions);
        r.opts.sack_permitted = true;
        break;
      case 5:
        if ((len - 2) % 8 || len < 10) return fail(TcpError::kOptions);
        r.opts.nsack = 0;
        for (int k = 0; k < (len - 2) / 8 && k < 4; ++k) {
          r.opts.sack[k] = {get32(p + 8 * k), get32(p + 8 * k + 4)};
          r.opts.nsack = uint8_t(k + 1);
        }
        break;
      case 8:
        if (len != 10) return fail(TcpError::kOptions);
        r.opts.has_ts = true;
        r.opts.ts_val = get32(p);
        r.opts.ts_ecr = get32(p + 4);
        break;
      default:
        break;
    }
    i += len;
  }
  if (why) *why = TcpError::kNone;
  return r;
}

size_t tcp_options_len(const TcpOptions& o) {
  size_t n = 0;
  if (o.mss) n += 4;
  if (o.sack_permitted && o.has_ts) n += 2 + 10;  // sackOK,TS
  else if (o.sack_permitted) n += 4;               // nop,nop,sackOK
  else if (o.has_ts) n += 12;                      // nop,nop,TS
  if (o.wscale) n += 4;                            // nop,wscale
  if (o.nsack) n += 4 + 8 * o.nsack;               // nop,nop,sack N
  return n;
}

size_t tcp_emit(std::byte* out, const TcpRepr& r) {
  const size_t hlen = kTcpHdrLen + tcp_options_len(r.opts);
  put16(out, r.sport);
  put16(out + 2, r.dport);
  put32(out + 4, r.seq);
  put32(out + 8, r.ack);
  out[12] = std::byte((hlen / 4) << 4);
  out[13] = std::byte(r.flags);
  put16(out + 14, r.win);
  put16(out + 16, 0);
  put16(out + 18, r.urp);
  std::byte* p = out + kTcpHdrLen;
  auto b = [&](uint8_t v) { *p++ = std::byte(v); };
  const TcpOptions& o = r.opts;
  if (o.mss) {
    b(2), b(4);
    put16(p, *o.mss);
    p += 2;
  }
  if (o.sack_permitted) {
    if (!o.has_ts) b(1), b(1);
    b(4), b(2);
  } else if (o.has_ts) {
    b(1), b(1);
  }
  if (o.has_ts) {
    b(8), b(10);
    put32(p, o.ts_val);
    put32(p + 4, o.ts_ecr);
    p += 8;
  }
  if (o.wscale) b(1), b(3), b(3), b(*o.wscale);
  if (o.nsack) {
    b(1), b(1), b(5), b(uint8_t(2 + 8 * o.nsack));
    for (int k = 0; k < o.nsack; ++k) {
      put32(p, o.sack[k].start);
      put32(p + 4, o.sack[k].end);
      p += 8;
    }
  }
  return hlen;
}

}  // namespace tunsock::tcpwire
