// The scripted TCP peer: builder, parser, checkers, and the peer's clock
// stepping. See tcp_peer.hpp.
#include "support/tcp_peer.hpp"

#include <doctest/doctest.h>

#include <cstdio>

namespace tunsock::test {

Pkt tcp_build(const TcpSegSpec& s) {
  Pkt p(size_t(wire::kIpHdrLen) + size_t(wire::kTcpHdrLen) + wire::tcp_options_len(s.tcp.opts) + s.payload.size());
  std::byte* t = p.data() + wire::kIpHdrLen;
  const size_t hl = wire::tcp_emit(t, s.tcp);
  std::copy(s.payload.begin(), s.payload.end(), t + hl);
  const wire::Bytes seg(t, hl + s.payload.size());
  uint16_t c = wire::tcp_cksum(s.src, s.dst, seg);
  wire::tcp_set_cksum(t, s.bad_cksum ? uint16_t(c ^ 0x5a5a) : c);
  wire::Ipv4Repr ip;
  ip.total_len = uint16_t(p.size());
  ip.id = s.id;
  ip.df = s.df;
  ip.ttl = s.ttl;
  ip.tos = s.tos;
  ip.proto = wire::IPPROTO_TCP_;
  ip.src = s.src;
  ip.dst = s.dst;
  wire::ipv4_emit(p.data(), ip);
  return p;
}

wire::TcpOptions linux_syn_options(uint32_t ts_val) {
  wire::TcpOptions o;
  o.mss = 1460;
  o.sack_permitted = true;
  o.has_ts = true;
  o.ts_val = ts_val;
  o.wscale = 7;
  return o;
}

std::optional<TcpSeg> tcp_seg_parse(const Pkt& p, std::string* why) {
  auto say = [&](std::string w) {
    if (why) *why = std::move(w);
    return std::nullopt;
  };
  auto ip = wire::ipv4_parse(p);
  if (!ip) return say("not IPv4: " + wire::tcpdump_line(p));
  if (ip->proto != wire::IPPROTO_TCP_ || ip->is_fragment()) return say("not TCP: " + wire::tcpdump_line(p));
  wire::Bytes seg(p.data() + ip->hlen, ip->total_len - ip->hlen);
  auto t = wire::tcp_parse(seg);
  if (!t) return say("bad TCP header: " + wire::tcpdump_line(p));
  TcpSeg s;
  s.ip = *ip;
  s.tcp = *t;
  s.payload.assign(seg.begin() + t->hlen, seg.end());
  s.options.assign(seg.begin() + wire::kTcpHdrLen, seg.begin() + t->hlen);
  s.cksum_ok = wire::tcp_cksum(ip->src, ip->dst, seg) == 0;
  s.line = wire::tcpdump_line(p);
  return s;
}

namespace tc {
namespace {
std::string hex32(uint32_t v) { return std::to_string(v); }
std::string differs(const char* what, uint64_t want, uint64_t got) {
  return std::string(what) + " " + std::to_string(got) + ", want " + std::to_string(want);
}
std::string flag_text(uint8_t f) {
  static const char kL[] = "FSRP.UEW";
  std::string s;
  for (int i = 0; i < 8; ++i)
    if (f & (1 << i)) s += kL[i];
  return "[" + (s.empty() ? std::string("none") : s) + "]";
}
}  // namespace

TcpCheck flags(uint8_t exact) {
  return [=](const TcpSeg& s) {
    return s.tcp.flags == exact ? "" : "flags " + flag_text(s.tcp.flags) + ", want " + flag_text(exact);
  };
}
TcpCheck flags_set(uint8_t bits) {
  return [=](const TcpSeg& s) {
    return (s.tcp.flags & bits) == bits ? "" : "flags " + flag_text(s.tcp.flags) + ", want set " + flag_text(bits);
  };
}
TcpCheck flags_clear(uint8_t bits) {
  return [=](const TcpSeg& s) {
    return (s.tcp.flags & bits) == 0 ? "" : "flags " + flag_text(s.tcp.flags) + ", want clear " + flag_text(bits);
  };
}
TcpCheck seq(uint32_t v) {
  return [=](const TcpSeg& s) { return s.tcp.seq == v ? "" : differs("seq", v, s.tcp.seq); };
}
TcpCheck ack(uint32_t v) {
  return [=](const TcpSeg& s) {
    if (!(s.tcp.flags & wire::TH_ACK)) return std::string("no ACK flag, want ack ") + hex32(v);
    return s.tcp.ack == v ? "" : differs("ack", v, s.tcp.ack);
  };
}
TcpCheck window(uint16_t raw) {
  return [=](const TcpSeg& s) { return s.tcp.win == raw ? "" : differs("win", raw, s.tcp.win); };
}
TcpCheck src_port(uint16_t p) {
  return [=](const TcpSeg& s) { return s.tcp.sport == p ? "" : differs("sport", p, s.tcp.sport); };
}
TcpCheck dst_port(uint16_t p) {
  return [=](const TcpSeg& s) { return s.tcp.dport == p ? "" : differs("dport", p, s.tcp.dport); };
}
TcpCheck src(uint32_t a) {
  return [=](const TcpSeg& s) { return s.ip.src == a ? "" : "src " + wire::ip4_str(s.ip.src) + ", want " + wire::ip4_str(a); };
}
TcpCheck dst(uint32_t a) {
  return [=](const TcpSeg& s) { return s.ip.dst == a ? "" : "dst " + wire::ip4_str(s.ip.dst) + ", want " + wire::ip4_str(a); };
}
TcpCheck payload_len(size_t n) {
  return [=](const TcpSeg& s) { return s.payload.size() == n ? "" : differs("payload length", n, s.payload.size()); };
}
TcpCheck payload(const Pkt& data) {
  return [=](const TcpSeg& s) { return s.payload == data ? "" : std::string("payload differs"); };
}
TcpCheck cksum_ok() {
  return [=](const TcpSeg& s) { return s.cksum_ok ? "" : std::string("bad TCP checksum"); };
}
TcpCheck mss(uint16_t v) {
  return [=](const TcpSeg& s) {
    if (!s.tcp.opts.mss) return std::string("no mss, want ") + std::to_string(v);
    return *s.tcp.opts.mss == v ? "" : differs("mss", v, *s.tcp.opts.mss);
  };
}
TcpCheck no_mss() {
  return [=](const TcpSeg& s) { return s.tcp.opts.mss ? "mss " + std::to_string(*s.tcp.opts.mss) + ", want none" : ""; };
}
TcpCheck wscale(uint8_t v) {
  return [=](const TcpSeg& s) {
    if (!s.tcp.opts.wscale) return std::string("no wscale, want ") + std::to_string(v);
    return *s.tcp.opts.wscale == v ? "" : differs("wscale", v, *s.tcp.opts.wscale);
  };
}
TcpCheck no_wscale() {
  return [=](const TcpSeg& s) {
    return s.tcp.opts.wscale ? "wscale " + std::to_string(*s.tcp.opts.wscale) + ", want none" : "";
  };
}
TcpCheck sack_permitted(bool present) {
  return [=](const TcpSeg& s) {
    return s.tcp.opts.sack_permitted == present ? "" : std::string(present ? "no sackOK" : "sackOK, want none");
  };
}
TcpCheck ts() {
  return [=](const TcpSeg& s) { return s.tcp.opts.has_ts ? "" : std::string("no TS"); };
}
TcpCheck ts_ecr(uint32_t ecr) {
  return [=](const TcpSeg& s) {
    if (!s.tcp.opts.has_ts) return std::string("no TS, want ecr ") + std::to_string(ecr);
    return s.tcp.opts.ts_ecr == ecr ? "" : differs("TS ecr", ecr, s.tcp.opts.ts_ecr);
  };
}
TcpCheck no_ts() {
  return [=](const TcpSeg& s) { return s.tcp.opts.has_ts ? std::string("TS, want none") : ""; };
}
TcpCheck sack(std::vector<wire::SackBlock> blocks) {
  return [=](const TcpSeg& s) {
    auto text = [](const wire::SackBlock* b, size_t n) {
      std::string t;
      for (size_t i = 0; i < n; ++i) t += "{" + std::to_string(b[i].start) + ":" + std::to_string(b[i].end) + "}";
      return t.empty() ? std::string("none") : t;
    };
    bool same = s.tcp.opts.nsack == blocks.size();
    for (size_t i = 0; same && i < blocks.size(); ++i)
      same = s.tcp.opts.sack[i].start == blocks[i].start && s.tcp.opts.sack[i].end == blocks[i].end;
    return same ? "" : "sack " + text(s.tcp.opts.sack, s.tcp.opts.nsack) + ", want " + text(blocks.data(), blocks.size());
  };
}
TcpCheck no_sack() { return sack({}); }
TcpCheck options_bytes(const Pkt& raw) {
  return [=](const TcpSeg& s) {
    if (s.options == raw) return std::string();
    std::string t = "option bytes";
    char x[4];
    for (std::byte c : s.options) std::snprintf(x, sizeof x, " %02x", unsigned(c)), t += x;
    return t + " differ";
  };
}
}  // namespace tc

std::string tcp_check(const TcpSeg& s, const std::vector<TcpCheck>& checks) {
  std::string all;
  for (const auto& c : checks) {
    std::string e = c(s);
    if (!e.empty()) all += (all.empty() ? "" : "; ") + e;
  }
  return all;
}

TcpPeer::TcpPeer(Host& h, uint16_t p, uint16_t sp, uint32_t a, uint32_t sa)
    : host(h), addr(a), stack_addr(sa), port(p), stack_port(sp) {}

wire::TcpRepr TcpPeer::make(uint8_t flags) const {
  wire::TcpRepr t;
  t.sport = port;
  t.dport = stack_port;
  t.seq = snd_nxt;
  t.ack = (flags & wire::TH_ACK) ? rcv_nxt : 0;
  t.flags = flags;
  t.win = win;
  if (ts_on) {
    t.opts.has_ts = true;
    t.opts.ts_val = ts_val;
    t.opts.ts_ecr = ts_recent;
  }
  return t;
}

void TcpPeer::send(const wire::TcpRepr& t, const Pkt& payload) {
  TcpSegSpec s;
  s.src = addr;
  s.dst = stack_addr;
  s.tcp = t;
  s.payload = payload;
  s.ttl = ttl;
  if (t.seq == snd_nxt)
    snd_nxt += uint32_t(payload.size()) + ((t.flags & wire::TH_SYN) ? 1 : 0) + ((t.flags & wire::TH_FIN) ? 1 : 0);
  inject(tcp_build(s));
}

void TcpPeer::send_syn(uint32_t iss) {
  snd_nxt = iss;
  wire::TcpRepr t = make(wire::TH_SYN);
  t.opts = linux_syn_options(ts_val);
  send(t);
}

void TcpPeer::inject(const Pkt& raw) {
  collect();  // what left before belongs to the time before
  host.inject(raw);
  host.run();
  collect();
}

void TcpPeer::collect() {
  for (Pkt& p : host.out) q_.push_back(Emitted{host.st.now(), std::move(p)});
  host.out.clear();
}

void TcpPeer::advance(Time d) {
  collect();
  const Time end = host.st.now() + d;
  for (int steps = 0; steps < 100000; ++steps) {  // bounded: each step fires at least one timer
    Time next = host.st.next_deadline();
    if (next > end) break;
    host.st.poll(next < host.st.now() ? host.st.now() : next);
    collect();
  }
  host.st.poll(end);
  collect();
}

size_t TcpPeer::pending() {
  collect();
  return q_.size();
}

std::optional<Emitted> TcpPeer::take() {
  collect();
  if (q_.empty()) return std::nullopt;
  Emitted e = std::move(q_.front());
  q_.pop_front();
  return e;
}

std::optional<TcpSeg> TcpPeer::expect(const std::vector<TcpCheck>& checks, bool learn) {
  auto e = take();
  if (!e) {
    FAIL_CHECK("expected a TCP segment, the stack sent nothing");
    return std::nullopt;
  }
  std::string why;
  auto s = tcp_seg_parse(e->pkt, &why);
  if (!s) {
    FAIL_CHECK("expected a TCP segment, got " << why);
    return std::nullopt;
  }
  std::string bad = tcp_check(*s, checks);
  if (!bad.empty()) FAIL_CHECK(bad << "\n  in: " << s->line);
  if (learn && (s->tcp.flags & wire::TH_SYN) && !(s->tcp.flags & wire::TH_RST)) rcv_nxt = s->tcp.seq;
  if (learn && s->tcp.seq == rcv_nxt) rcv_nxt += s->seg_len();
  if (learn && s->tcp.opts.has_ts) {
    ts_recent = s->tcp.opts.ts_val;
    if (s->tcp.flags & wire::TH_SYN) ts_on = true;
  }
  return s;
}

bool TcpPeer::expect_silence(Time d) {
  advance(d);
  auto e = take();
  if (!e) return true;
  FAIL_CHECK("expected silence, the stack sent " << wire::tcpdump_line(e->pkt));
  return false;
}

}  // namespace tunsock::test
