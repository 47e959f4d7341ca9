// tcpdump's one-line text of a TCP segment and its conversation table, as
// tcpdump 4.99's print-tcp.c writes them with -n (relative numbers) and
// -n -S (absolute numbers); the first-line summaries of the text protocols
// (print-ftp/http/rtsp/smtp/whois/ssh.c). RFC 9293 §3.1, §3.2; RFC 7323; RFC 2018.
// DEVIATION: MPTCP options print only length and subtype; the binary payload dissectors tcpdump runs by port (DNS, BGP,
// RESP, telnet, SMB, OpenFlow, NFS...) are left out: their lines end at
// "length N".
#include "wire/tcpdump.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "wire/tcp.hpp"

namespace tunsock::wire {

// ---- the conversation table ------------------------------------------------

TcpdumpTracker::Rel TcpdumpTracker::relate(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
                                           uint32_t ack, uint8_t flags) {
  // One entry for both directions: collate by port, then by address.
  const bool rev = sport > dport || (sport == dport && src > dst);
  Key k{};
  const uint32_t a = rev ? dst : src, b = rev ? src : dst;
  for (int i = 0; i < 4; ++i) k.src[i] = uint8_t(a >> (24 - 8 * i)), k.dst[i] = uint8_t(b >> (24 - 8 * i));
  k.ports = rev ? uint32_t(dport) << 16 | sport : uint32_t(sport) << 16 | dport;
  return relate_key(k, rev, seq, ack, flags);
}

TcpdumpTracker::Rel TcpdumpTracker::relate6(const std::byte* src, const std::byte* dst, uint16_t sport,
                                            uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags) {
  const bool rev = sport > dport || (sport == dport && std::memcmp(src, dst, 16) > 0);
  Key k{};
  std::memcpy(k.src.data(), rev ? dst : src, 16);
  std::memcpy(k.dst.data(), rev ? src : dst, 16);
  k.ports = rev ? uint32_t(dport) << 16 | sport : uint32_t(sport) << 16 | dport;
  k.v6 = true;
  return relate_key(k, rev, seq, ack, flags);
}

TcpdumpTracker::Rel TcpdumpTracker::relate_key(const Key& k, bool rev, uint32_t seq, uint32_t ack, uint8_t flags) {
  Rel r;
  r.rev = rev;
  auto it = map_.find(k);
  if (it == map_.end() || (flags & TH_SYN)) {
    // A new conversation or a new SYN: record, print as is.
    if (it == map_.end()) {
      if (map_.size() >= max_) {
        map_.erase(lru_.back().key);
        lru_.pop_back();
      }
      lru_.push_front(Entry{k, 0, 0});
      it = map_.emplace(k, lru_.begin()).first;
    } else {
      lru_.splice(lru_.begin(), lru_, it->second);
    }
    Entry& e = *it->second;
    if (r.rev) e.ack = seq, e.seq = ack - 1;
    else e.seq = seq, e.ack = ack - 1;
    r.seq = seq;
    r.ack = ack;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second);
    const Entry& e = *it->second;
    r.seq = seq - (r.rev ? e.ack : e.seq);
    r.ack = ack - (r.rev ? e.seq : e.ack);
  }
  r.thseq = it->second->seq;
  r.thack = it->second->ack;
  return r;
}

namespace {

std::string u(uint64_t v) { return std::to_string(v); }

std::string flags_text(uint8_t f) {
  static const char kLetters[] = "FSRP.UEW";  // TH_FIN .. TH_CWR, print-tcp.c's order
  std::string s;
  for (int i = 0; i < 8; ++i)
    if (f & (1 << i)) s += kLetters[i];
  return s.empty() ? "none" : s;
}

const char* option_name(uint8_t kind) {
  switch (kind) {
    case 0: return "eol";
    case 1: return "nop";
    case 2: return "mss";
    case 3: return "wscale";
    case 4: return "sackOK";
    case 5: return "sack";
    case 6: return "echo";
    case 7: return "echoreply";
    case 8: return "TS";
    case 11: return "cc";
    case 12: return "ccnew";
    case 13: return "";
    case 19: return "md5";
    case 20: return "scps";
    case 28: return "uto";
    case 29: return "tcp-ao";
    case 30: return "mptcp";
    case 34: return "tfo";
    case 254: return "exp";
    default: return nullptr;
  }
}

std::string hex(Bytes b) {
  std::string s;
  char x[3];
  for (std::byte c : b) {
    std::snprintf(x, sizeof x, "%02x", unsigned(c));
    s += x;
  }
  return s;
}

// How the option list ended.
enum class OptEnd { kDone, kBad, kTrunc, kTruncPlain };

std::string tfo_text(Bytes cookie) {
  if (cookie.empty()) return " cookiereq";
  if (cookie.size() % 2 != 0 || cookie.size() < 4 || cookie.size() > 16) return " (invalid)";
  return " cookie " + hex(cookie);
}

// One option's data after its kind and length (print-tcp.c's switch). h:
// option bytes left in the header after kind and length; cap: captured
// bytes from the data on. Sets datalen (the bytes tcpdump steps over).
OptEnd option_data(std::string& s, uint8_t kind, size_t len, size_t h, Bytes cap, const TcpdumpTracker::Rel& rel,
                   size_t& datalen) {
  auto check = [&](size_t l) { return l > h ? OptEnd::kBad : l > cap.size() ? OptEnd::kTrunc : OptEnd::kDone; };
  OptEnd e = OptEnd::kDone;
  switch (kind) {
    case TCPOPT_EOL_: case TCPOPT_NOP_: case TCPOPT_SACK_PERMITTED_:
      datalen = 0;
      return e;
    case TCPOPT_MAXSEG_:
      datalen = 2;
      if ((e = check(2)) == OptEnd::kDone) s += " " + u(get16(&cap[0]));
      return e;
    case TCPOPT_WINDOW_:
      datalen = 1;
      if ((e = check(1)) == OptEnd::kDone) s += " " + u(uint8_t(cap[0]));
      return e;
    case TCPOPT_TIMESTAMP_:
      datalen = 8;
      if ((e = check(8)) == OptEnd::kDone) s += " val " + u(get32(&cap[0])) + " ecr " + u(get32(&cap[4]));
      return e;
    case 6: case 7: case 11: case 12: case 13:  // RFC 1072 echo, RFC 1644 CC
      datalen = 4;
      if ((e = check(4)) == OptEnd::kDone) s += " " + u(get32(&cap[0]));
      return e;
    case TCPOPT_SACK_:
      datalen = len - 2;
      if (datalen % 8 != 0) {
        s += " invalid sack";
        return e;
      }
      s += " " + u(datalen / 8) + " ";
      for (size_t i = 0; i < datalen; i += 8) {
        if ((e = check(i + 8)) != OptEnd::kDone) return e;
        // SACK edges are the other direction's sequence numbers.
        uint32_t base = rel.rev ? rel.thseq : rel.thack;
        s += "{" + u(uint32_t(get32(&cap[i]) - base)) + ":" + u(uint32_t(get32(&cap[i + 4]) - base)) + "}";
      }
      return e;
    case 19:  // RFC 2385 MD5 signature, as a tcpdump built with libcrypto words it
      datalen = 16;
      if ((e = check(16)) == OptEnd::kDone)
        s += " shared secret not supplied with -M, can't check - " + hex(cap.first(16));
      return e;
    case 28: {  // RFC 5482 user timeout
      datalen = 2;
      if ((e = check(2)) != OptEnd::kDone) return e;
      uint32_t v = get16(&cap[0]);
      char x[8];
      std::snprintf(x, sizeof x, "%x", v);
      s += std::string(" 0x") + x + " " + u((v & 1) ? (v >> 1) * 60 : v >> 1);
      return e;
    }
    case 29:  // RFC 5925 TCP-AO
      datalen = len - 2;
      if (datalen < 2) {
        s += " (invalid)";
        return e;
      }
      for (size_t i = 0; i < datalen; ++i) {
        if ((e = check(i + 1)) != OptEnd::kDone) return e;
        if (i == 0) s += " keyid " + u(uint8_t(cap[0]));
        else if (i == 1) s += " rnextkeyid " + u(uint8_t(cap[1]));
        else s += (i == 2 ? " mac 0x" : "") + hex(cap.subspan(i, 1));
      }
      return e;
    case 34:  // RFC 7413 fast open
      datalen = len - 2;
      if ((e = check(datalen)) == OptEnd::kDone) s += " " + tfo_text(cap.first(datalen));
      return e;
    case 254:  // RFC 6994 experiment: fast open's magic or the magic in hex
      datalen = len - 2;
      if ((e = check(datalen)) != OptEnd::kDone) return e;
      if (datalen < 2) return OptEnd::kBad;
      if (get16(&cap[0]) == 0xf989) s += "-tfo" + tfo_text(cap.subspan(2, datalen - 2));
      else s += "-" + hex(cap.first(2));
      return e;
    case 20:  // SCPS capabilities
      datalen = 2;
      if ((e = check(2)) == OptEnd::kDone) s += " cap " + hex(cap.first(1)) + " id " + u(uint8_t(cap[1]));
      return e;
    case 30: {  // RFC 8684 MPTCP: length and subtype name (print-mptcp.c)
      // DEVIATION: the subtypes' own fields (keys, tokens, DSS maps...) are
      // left out; tcpdump prints them after the name.
      static const char* const kSub[] = {"capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail",
                                         "fast-close", "unknown"};
      datalen = len - 2;
      if ((e = check(datalen)) != OptEnd::kDone) return e;
      if (len < 3) return OptEnd::kBad;
      s += " " + u(len) + " " + kSub[std::min<size_t>(uint8_t(cap[0]) >> 4, 8)];
      return e;
    }
    default:  // any other kind: its bytes in hex
      datalen = len - 2;
      if (datalen) s += " 0x";
      for (size_t i = 0; i < datalen; ++i) {
        if ((e = check(i + 1)) != OptEnd::kDone) return e;
        s += hex(cap.subspan(i, 1));
      }
      return e;
  }
}

// print-tcp.c's option loop over h header bytes; cap holds the captured
// bytes from the first option on (it may run past the header into payload).
OptEnd options_text(std::string& s, size_t h, Bytes cap, const TcpdumpTracker::Rel& rel, char& ch) {
  size_t cp = 0;
  while (h > 0) {
    if (ch) s += ch;
    if (cp >= cap.size()) return OptEnd::kTruncPlain;
    const uint8_t kind = uint8_t(cap[cp++]);
    size_t len = 1;
    if (kind != TCPOPT_EOL_ && kind != TCPOPT_NOP_) {
      if (cp >= cap.size()) return OptEnd::kTruncPlain;
      len = uint8_t(cap[cp++]);
      if (len < 2 || len > h) return OptEnd::kBad;
      --h;
    }
    --h;
    const char* name = option_name(kind);
    s += name ? std::string(name) : "unknown-" + u(kind);
    size_t datalen = 0;
    OptEnd e = option_data(s, kind, len, h, cap.subspan(cp), rel, datalen);
    if (e != OptEnd::kDone) return e;
    // tcpdump steps over what it printed, not over the stated length.
    cp += datalen;
    h -= datalen;
    const size_t seen = datalen + ((kind == TCPOPT_EOL_ || kind == TCPOPT_NOP_) ? 1 : 2);
    if (seen != len) s += "[len " + u(len) + "]";
    ch = ',';
    if (kind == TCPOPT_EOL_) break;
  }
  return OptEnd::kDone;
}

// The first line of a text protocol (util-print.c txtproto_print /
// print_txt_line): ": " + line when it ends in LF or CRLF and is printable.
// Returns false when the capture ended first (tcpdump's " [|proto]").
bool txt_line(std::string& s, Bytes cap, size_t len, bool trunc_print) {
  for (size_t i = 0; i < len; ++i) {
    if (i >= cap.size()) return false;
    const uint8_t c = uint8_t(cap[i]);
    if (c == '\n' || c == '\r') {
      if (c == '\r') {
        if (i + 1 >= len) return true;
        if (i + 1 >= cap.size()) return false;
        if (uint8_t(cap[i + 1]) != '\n') return true;
      }
      s += ": " + std::string(reinterpret_cast<const char*>(cap.data()), i);
      return true;
    }
    if ((c < 0x20 || c > 0x7e) && c != '\t') return true;
  }
  if (trunc_print) {  // printable to the end without a line end: as truncated
    s += ": " + std::string(reinterpret_cast<const char*>(cap.data()), len);
    return false;
  }
  return true;
}

// util-print.c fetch_token: the token at i and the index after it and its
// blanks, or 0.
size_t fetch_token(Bytes cap, size_t i, size_t len, std::string& tok) {
  tok.clear();
  for (; i < len; ++i) {
    if (i >= cap.size()) return 0;
    const uint8_t c = uint8_t(cap[i]);
    if (c > 0x7f) return 0;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
    if (c < 0x20 || c > 0x7e || tok.size() + 2 > 129) return 0;
    tok += char(c);
  }
  if (tok.empty()) return 0;
  for (; i < len && i < cap.size(); ++i) {
    const uint8_t c = uint8_t(cap[i]);
    if (c == '\r' || c == '\n' || c < 0x20 || c > 0x7e || (c != ' ' && c != '\t')) break;
  }
  return i;
}

bool strcase_eq(const std::string& a, const char* b) {
  size_t i = 0;
  for (; i < a.size() && b[i]; ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = char(x - 32);
    if (y >= 'a' && y <= 'z') y = char(y - 32);
    if (x != y) return false;
  }
  return i == a.size() && !b[i];
}

const char* const kHttpCmds[] = {
    "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL", "TRACE", "LABEL",
    "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "NOTIFY", "BDELETE", "CONNECT", "OPTIONS",
    "CHECKIN", "PROPFIND", "CHECKOUT", "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND", "BPROPPATCH",
    "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "UNSUBSCRIBE", "RPC_CONNECT", "VERSION-CONTROL",
    "BASELINE-CONTROL", nullptr};
const char* const kRtspCmds[] = {"DESCRIBE", "ANNOUNCE", "GET_PARAMETER", "OPTIONS", "PAUSE", "PLAY",
                                 "RECORD", "REDIRECT", "SETUP", "SET_PARAMETER", "TEARDOWN", nullptr};

// txtproto_print: the protocol's name, then its first line when it is a
// request or response (cmds) or always (cmds null).
std::string txtproto(Bytes cap, size_t len, const char* name, const char* lower, const char* const* cmds) {
  bool print = cmds == nullptr;
  if (cmds) {
    std::string tok;
    size_t i = fetch_token(cap, 0, len, tok);
    if (i != 0) {
      for (const char* const* c = cmds; *c && !print; ++c) print = strcase_eq(tok, *c);
      i = fetch_token(cap, i, len, tok);  // the response code is the second token
      if (i != 0 && tok.size() == 3 && tok[0] >= '0' && tok[0] <= '9' && tok[1] >= '0' && tok[1] <= '9' &&
          tok[2] >= '0' && tok[2] <= '9')
        print = true;
    }
  }
  std::string s = std::string(": ") + name;
  if (print && !txt_line(s, cap, len, true)) s += std::string(" [|") + lower + "]";
  return s;
}

// print-ssh.c: the version line of an SSH connection.
std::string ssh_text(Bytes cap, size_t len) {
  static const char kMagic[] = "SSH-";
  for (size_t i = 0; i < 4; ++i) {
    if (i >= cap.size()) return " [|ssh]";
    if (uint8_t(cap[i]) != uint8_t(kMagic[i])) return "";
  }
  std::string line;
  if (!txt_line(line, cap, len, false)) return " [|ssh]";
  return line.empty() ? "" : ": SSH" + line;
}

bool port_is(uint16_t a, uint16_t b, uint16_t p) { return a == p || b == p; }

// The payload summary tcpdump picks by port (tcp_print's chain, in order).
std::string payload_text(uint16_t sp, uint16_t dp, Bytes cap, size_t len) {
  for (uint16_t p : {23, 25, 43, 179, 1723, 6379, 22}) {
    if (!port_is(sp, dp, p)) continue;
    if (p == 25) return txtproto(cap, len, "SMTP", "smtp", nullptr);
    if (p == 43) return txtproto(cap, len, "WHOIS", "whois", nullptr);
    if (p == 22) return ssh_text(cap, len);
    return "";  // DEVIATION: telnet, BGP, PPTP, RESP not dissected
  }
  for (uint16_t p : {139, 445, 10288, 6633, 6653})
    if (port_is(sp, dp, p)) return "";  // DEVIATION: SMB, BEEP, OpenFlow not dissected
  if (port_is(sp, dp, 21)) return txtproto(cap, len, "FTP", "ftp", nullptr);
  if (port_is(sp, dp, 80) || port_is(sp, dp, 8080)) return txtproto(cap, len, "HTTP", "http", kHttpCmds);
  if (port_is(sp, dp, 554) || port_is(sp, dp, 8554)) return txtproto(cap, len, "RTSP", "rtsp", kRtspCmds);
  return "";
}

}  // namespace

namespace {

// The segment's line after the addresses are known: srcs/dsts as printed,
// relate() the tracker's step for this family.
template <class Relate>
std::string tcp_text(const std::string& srcs, const std::string& dsts, Bytes seg, size_t length, bool track,
                     Relate relate) {
  if (seg.size() > length) seg = seg.first(length);  // tcpdump ends the capture at the IP length
  if (seg.size() < 4) return srcs + " > " + dsts + ": [|tcp]";
  const uint16_t sport = get16(&seg[0]), dport = get16(&seg[2]);
  std::string s = srcs + "." + u(sport) + " > " + dsts + "." + u(dport) + ": ";
  if (seg.size() < size_t(kTcpHdrLen)) return s + " [|tcp]";
  const uint32_t hlen = (uint8_t(seg[12]) >> 4) * 4u;
  if (hlen < uint32_t(kTcpHdrLen))
    return s + " tcp " + u(uint32_t(length - hlen)) + " [bad hdr length " + u(hlen) + " - too short, < 20]";
  const uint8_t flags = uint8_t(seg[13]);
  TcpdumpTracker::Rel rel;
  rel.seq = get32(&seg[4]);
  rel.ack = get32(&seg[8]);
  if (track && (flags & TH_ACK)) rel = relate(sport, dport, rel.seq, rel.ack, flags);
  s += "Flags [" + flags_text(flags) + "]";
  if (hlen > length) return s + " [bad hdr length " + u(hlen) + " - too long, > " + u(length) + "]";
  const size_t dlen = length - hlen;
  if (dlen > 0 || (flags & (TH_SYN | TH_FIN | TH_RST))) {
    s += ", seq " + u(rel.seq);
    if (dlen > 0) s += ":" + u(uint32_t(rel.seq + dlen));
  }
  if (flags & TH_ACK) s += ", ack " + u(rel.ack);
  s += ", win " + u(get16(&seg[14]));
  if (flags & TH_URG) s += ", urg " + u(get16(&seg[18]));
  if (hlen > uint32_t(kTcpHdrLen)) {
    s += ", options [";
    char ch = 0;
    switch (options_text(s, hlen - kTcpHdrLen, seg.subspan(kTcpHdrLen), rel, ch)) {
      case OptEnd::kDone: s += "]"; break;
      case OptEnd::kBad: return s + "[bad opt]" + (ch ? "]" : "");
      case OptEnd::kTrunc: return s + " [|tcp]" + (ch ? ">" : "");
      case OptEnd::kTruncPlain: return s + " [|tcp]";
    }
  }
  s += ", length " + u(dlen);
  if (dlen == 0) return s;
  if (seg.size() < hlen)  // options ended by EOL before the capture did
    return s + " [remaining caplen(" + u(seg.size()) + ") < header length(" + u(hlen) + ")] [|tcp]";
  Bytes pay = seg.size() > hlen ? seg.subspan(hlen) : Bytes();
  return s + payload_text(sport, dport, pay, dlen);
}

}  // namespace

std::string tcpdump_tcp(uint32_t src, uint32_t dst, Bytes seg, size_t length, TcpdumpTracker* t) {
  return tcp_text(ip4_str(src), ip4_str(dst), seg, length, t != nullptr,
                  [&](uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags) {
                    return t->relate(src, dst, sp, dp, seq, ack, flags);
                  });
}

std::string tcpdump_tcp6(Bytes src, Bytes dst, Bytes seg, size_t length, TcpdumpTracker* t) {
  char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
  ::inet_ntop(AF_INET6, src.data(), a, sizeof a);
  ::inet_ntop(AF_INET6, dst.data(), b, sizeof b);
  return tcp_text(a, b, seg, length, t != nullptr,
                  [&](uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags) {
                    return t->relate6(src.data(), dst.data(), sp, dp, seq, ack, flags);
                  });
}

}  // namespace tunsock::wire
