// ss's selection rules and output format over the daemon's socket JSON.
// Written from ss(8) and from ss's output on Linux 6.x (iproute2 6.1); no
// iproute2 code.
#include "ss_format.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace tunsock::ctl {

using nlohmann::json;

namespace {

// Linux TCP_* state numbers (include/net/tcp_states.h), ss's names.
constexpr const char* kStateNames[] = {"",         "ESTAB",      "SYN-SENT",   "SYN-RECV",
                                       "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT",  "UNCONN",
                                       "CLOSE-WAIT", "LAST-ACK",   "LISTEN",     "CLOSING"};
constexpr int kEstab = 1, kSynSent = 2, kSynRecv = 3, kTimeWait = 6, kClose = 7, kListen = 10;
constexpr uint32_t bit(int s) { return 1u << s; }
constexpr uint32_t kAll = 0xffe;  // bits 1..11
constexpr uint32_t kConnected = kAll & ~(bit(kListen) | bit(kClose));
constexpr uint32_t kBucket = bit(kSynRecv) | bit(kTimeWait);
constexpr uint32_t kDefault = kConnected & ~kBucket;  // ss without -a/-l

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<uint64_t>() : 0;
}

bool is_unix(const std::string& netid) { return netid.rfind("u_", 0) == 0; }

// The kind of each netid: which of -t/-u/-w/-x shows it.
bool kind_selected(const std::string& netid, const SsOptions& o) {
  if (!o.tcp && !o.udp && !o.raw && !o.unix_) return true;
  if (netid == "tcp") return o.tcp;
  if (netid == "udp" || netid == "udplite") return o.udp;
  if (netid == "raw" || netid == "icmp" || netid == "icmp6") return o.raw;
  return is_unix(netid) && o.unix_;
}

// More than one netid can appear: ss then shows its Netid column.
bool netid_column(const SsOptions& o) {
  int kinds = int(o.tcp) + int(o.udp) + int(o.raw);
  return kinds != 1 || o.unix_;
}

uint32_t shown_states(const SsOptions& o) {
  if (o.states) return o.states;
  if (o.all) return kAll;
  if (o.listening) return bit(kListen) | bit(kClose);
  return kDefault;
}

std::string service(uint16_t port, const std::string& netid, bool numeric) {
  if (port == 0) return "*";
  if (!numeric) {
    if (netid == "raw" || netid == "icmp") {
      if (const protoent* p = ::getprotobynumber(port)) return p->p_name;
    } else if (const servent* s = ::getservbyport(htons(port), netid == "tcp" ? "tcp" : "udp")) {
      return s->s_name;
    }
  }
  return std::to_string(port);
}

std::string pad(const std::string& s, size_t w, bool right) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

std::string fmt_g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// -e's text after the process column: uid (when not root, as ss), ino, sk,
// and the shutdown arrows.
std::string extended(const json& s) {
  std::string out;
  if (uint64_t uid = num(s, "uid")) out += " uid:" + std::to_string(uid);
  out += " ino:" + std::to_string(num(s, "ino"));
  char sk[32];
  std::snprintf(sk, sizeof sk, " sk:%llx", static_cast<unsigned long long>(num(s, "id")));
  out += sk;
  out += " ";
  out += s.value("shut_rd", false) ? '-' : '<';
  out += '-';
  out += s.value("shut_wr", false) ? '-' : '>';
  return out;
}

}  // namespace

uint32_t ss_state_bit(const std::string& name) {
  for (int i = 1; i < 12; ++i)
    if (name == kStateNames[i]) return bit(i);
  return 0;
}

uint32_t ss_state_arg(const std::string& w) {
  static const std::map<std::string, uint32_t> kArgs = {
      {"established", bit(kEstab)}, {"syn-sent", bit(kSynSent)},  {"syn-recv", bit(kSynRecv)},
      {"fin-wait-1", bit(4)},       {"fin-wait-2", bit(5)},       {"time-wait", bit(kTimeWait)},
      {"closed", bit(kClose)},      {"close-wait", bit(8)},       {"last-ack", bit(9)},
      {"listening", bit(kListen)},  {"closing", bit(11)},         {"all", kAll},
      {"connected", kConnected},    {"synchronized", kConnected & ~bit(kSynSent)},
      {"bucket", kBucket},          {"big", kAll & ~kBucket}};
  auto it = kArgs.find(w);
  return it == kArgs.end() ? 0 : it->second;
}

bool ss_selected(const json& s, const SsOptions& o) {
  const std::string netid = str(s, "netid");
  if (!kind_selected(netid, o)) return false;
  const std::string fam = str(s, "family");
  if (o.ipv4_only && fam != "inet") return false;
  if (o.ipv6_only && fam != "inet6") return false;
  return (shown_states(o) & ss_state_bit(str(s, "state"))) != 0;
}

SsTuple ss_tuple(const json& s) {
  auto end = [&](const char* key) {
    SsEndpoint e;
    const json& j = s.contains(key) ? s.at(key) : json::object();
    if (j.contains("path")) return SsEndpoint::local(str(j, "path"));
    std::string a = str(j, "addr");
    uint16_t port = uint16_t(num(j, "port"));
    in_addr a4;
    uint8_t a6[16];
    if (::inet_pton(AF_INET, a.c_str(), &a4) == 1) return SsEndpoint::inet(ntohl(a4.s_addr), port);
    if (::inet_pton(AF_INET6, a.c_str(), a6) == 1) return SsEndpoint::inet6(a6, port);
    if (str(s, "family") == "unix") e.family = AF_UNIX;
    return e;
  };
  return {end("local"), end("peer")};
}

SsAddr ss_addr(const json& end, const std::string& netid, bool numeric, bool peer, bool v6only) {
  SsAddr a;
  if (is_unix(netid)) {
    std::string p = str(end, "path");
    a.addr = p.empty() ? "*" : p;
    a.sep = " ";
    return a;  // the port (an inode) is the caller's
  }
  std::string addr = str(end, "addr");
  // ss (inet_addr_print): an inet6 wildcard is "*" unless the socket is
  // IPv6-only (it then takes no IPv4): "[::]"; other IPv6 addresses, v4-mapped
  // ones included, in brackets.
  if (addr.find(':') != std::string::npos)
    a.addr = addr == "::" && !v6only ? "*" : "[" + addr + "]";
  else
    a.addr = addr.empty() ? "*" : addr;
  a.sep = ":";
  uint16_t port = uint16_t(num(end, "port"));
  a.port = peer && port == 0 ? "*" : service(port, netid, numeric);
  return a;
}

std::string ss_users(const json& users) {
  if (!users.is_array() || users.empty()) return "";
  std::string out = "users:(";
  for (const json& u : users) {
    if (out.back() != '(') out += ",";
    out += "(\"" + str(u, "name") + "\",pid=" + std::to_string(num(u, "pid")) + ",fd=" + std::to_string(num(u, "fd")) +
           ")";
  }
  return out + ")";
}

std::string ss_skmem(const json& m) {
  std::string out = "skmem:(";
  const char* keys[] = {"r", "rb", "t", "tb", "f", "w", "o", "bl", "d"};
  for (const char* k : keys) {
    if (out.back() != '(') out += ",";
    out += std::string(k) + std::to_string(num(m, k));
  }
  return out + ")";
}

std::string ss_bw(double bps, bool numeric) {
  char b[48];
  if (numeric) std::snprintf(b, sizeof b, "%.0f", bps);
  else if (bps >= 1e12) std::snprintf(b, sizeof b, "%.3gT", bps / 1e12);
  else if (bps >= 1e9) std::snprintf(b, sizeof b, "%.3gG", bps / 1e9);
  else if (bps >= 1e6) std::snprintf(b, sizeof b, "%.3gM", bps / 1e6);
  else if (bps >= 1e3) std::snprintf(b, sizeof b, "%.3gK", bps / 1e3);
  else std::snprintf(b, sizeof b, "%g", bps);
  return b;
}

// The fields ss -ti prints from struct tcp_info, in its order, each only
// when ss would (mostly: when non-zero). Times in ms from Linux's us.
std::string ss_tcp_info(const json& ti, const SsOptions& o) {
  if (!ti.is_object()) return "";
  std::string out;
  auto add = [&](const std::string& s) { out += " " + s; };
  auto ms = [&](const char* k) { return fmt_g(double(num(ti, k)) / 1000.0); };
  const uint64_t opts = num(ti, "options");
  if (o.extended) {  // ss shows the options with -e (its "ts sack ecn")
    if (opts & 1) add("ts");
    if (opts & 2) add("sack");
    if (opts & 8) add("ecn");
  }
  if (ti.contains("cc")) add(str(ti, "cc"));
  if (opts & 4) add("wscale:" + std::to_string(num(ti, "snd_wscale")) + "," + std::to_string(num(ti, "rcv_wscale")));
  if (uint64_t rto = num(ti, "rto"); rto && rto != 3000000) add("rto:" + ms("rto"));
  if (uint64_t b = num(ti, "backoff")) add("backoff:" + std::to_string(b));
  if (num(ti, "rtt")) add("rtt:" + ms("rtt") + "/" + ms("rttvar"));
  if (num(ti, "ato")) add("ato:" + ms("ato"));
  if (uint64_t v = num(ti, "snd_mss")) add("mss:" + std::to_string(v));
  if (uint64_t v = num(ti, "pmtu")) add("pmtu:" + std::to_string(v));
  if (uint64_t v = num(ti, "rcv_mss")) add("rcvmss:" + std::to_string(v));
  if (uint64_t v = num(ti, "advmss")) add("advmss:" + std::to_string(v));
  if (uint64_t v = num(ti, "snd_cwnd")) add("cwnd:" + std::to_string(v));
  if (uint64_t v = num(ti, "snd_ssthresh"); v && v < 0xffff) add("ssthresh:" + std::to_string(v));
  for (const char* k : {"bytes_sent", "bytes_retrans", "bytes_acked", "bytes_received", "segs_out", "segs_in",
                        "data_segs_out", "data_segs_in"})
    if (uint64_t v = num(ti, k)) add(std::string(k) + ":" + std::to_string(v));
  const double rtt_us = double(num(ti, "rtt"));
  if (rtt_us > 0 && num(ti, "snd_mss") && num(ti, "snd_cwnd"))
    add("send " + ss_bw(double(num(ti, "snd_cwnd")) * double(num(ti, "snd_mss")) * 8e6 / rtt_us, o.numeric) + "bps");
  if (uint64_t v = num(ti, "last_data_sent")) add("lastsnd:" + std::to_string(v));
  if (uint64_t v = num(ti, "last_data_recv")) add("lastrcv:" + std::to_string(v));
  if (uint64_t v = num(ti, "last_ack_recv")) add("lastack:" + std::to_string(v));
  if (uint64_t v = num(ti, "pacing_rate"); v && v != ~uint64_t(0)) {
    std::string s = "pacing_rate " + ss_bw(double(v), o.numeric) + "bps";
    if (uint64_t m = num(ti, "max_pacing_rate"); m && m != ~uint64_t(0)) s += "/" + ss_bw(double(m), o.numeric) + "bps";
    add(s);
  }
  if (uint64_t v = num(ti, "delivery_rate")) add("delivery_rate " + ss_bw(double(v), o.numeric) + "bps");
  if (uint64_t v = num(ti, "delivered")) add("delivered:" + std::to_string(v));
  if (uint64_t v = num(ti, "busy_time")) add("busy:" + std::to_string(v / 1000) + "ms");
  if (uint64_t v = num(ti, "unacked")) add("unacked:" + std::to_string(v));
  if (num(ti, "retrans") || num(ti, "total_retrans"))
    add("retrans:" + std::to_string(num(ti, "retrans")) + "/" + std::to_string(num(ti, "total_retrans")));
  if (uint64_t v = num(ti, "lost")) add("lost:" + std::to_string(v));
  if (uint64_t v = num(ti, "sacked"); v && num(ti, "state") != uint64_t(kListen)) add("sacked:" + std::to_string(v));
  if (uint64_t v = num(ti, "dsack_dups")) add("dsack_dups:" + std::to_string(v));
  if (uint64_t v = num(ti, "reordering"); v && v != 3) add("reordering:" + std::to_string(v));
  if (uint64_t v = num(ti, "reord_seen")) add("reord_seen:" + std::to_string(v));
  if (num(ti, "rcv_rtt")) add("rcv_rtt:" + ms("rcv_rtt"));
  if (uint64_t v = num(ti, "rcv_space")) add("rcv_space:" + std::to_string(v));
  if (uint64_t v = num(ti, "rcv_ssthresh")) add("rcv_ssthresh:" + std::to_string(v));
  if (uint64_t v = num(ti, "notsent_bytes")) add("notsent:" + std::to_string(v));
  if (uint64_t v = num(ti, "min_rtt"); v && v != 0xffffffffu) add("minrtt:" + ms("min_rtt"));
  if (uint64_t v = num(ti, "snd_wnd")) add("snd_wnd:" + std::to_string(v));
  return out;
}

// ss lists the kinds in this order (unix, raw, udp, tcp: main() of ss.c
// calls each table's dump in turn), each inet kind's IPv4 sockets before
// its IPv6 ones (one inet_diag dump per family).
static int ss_rank(const json& s) {
  const std::string netid = str(s, "netid");
  const int kind = is_unix(netid) ? 0 : (netid == "raw" || netid == "icmp" || netid == "icmp6") ? 1
                   : (netid == "udp" || netid == "udplite")                                       ? 2
                                                                                                  : 3;
  return kind * 2 + (str(s, "family") == "inet6" ? 1 : 0);
}

std::string ss_render(const std::vector<json>& socks_in, const SsOptions& o, const std::vector<json>& all_socks) {
  std::vector<json> socks = socks_in;
  std::stable_sort(socks.begin(), socks.end(), [](const json& a, const json& b) { return ss_rank(a) < ss_rank(b); });
  std::map<uint64_t, uint64_t> ino_of;  // unix peers: socket id -> inode
  for (const json& s : all_socks) ino_of[num(s, "id")] = num(s, "ino");
  const uint32_t states = shown_states(o);
  const bool netid_col = netid_column(o);
  const bool state_col = __builtin_popcount(states) != 1;  // ss drops it for a single `state`

  struct Col {
    std::string head, delim;
    bool right;
    size_t width = 0;
  };
  std::vector<Col> cols;
  if (netid_col) cols.push_back({"Netid", "", false});
  if (state_col) cols.push_back({"State", cols.empty() ? "" : " ", false});
  cols.push_back({"Recv-Q", cols.empty() ? "" : " ", false});
  cols.push_back({"Send-Q", " ", false});
  cols.push_back({"Local Address:", " ", true});
  cols.push_back({"Port", "", false});
  cols.push_back({"Peer Address:", " ", true});
  cols.push_back({"Port", "", false});
  cols.push_back({"Process", "", false});

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> extra;  // -m / -i line of each row
  for (const json& s : socks) {
    const std::string netid = str(s, "netid");
    std::vector<std::string> r;
    if (netid_col) r.push_back(netid);
    if (state_col) r.push_back(str(s, "state"));
    r.push_back(std::to_string(num(s, "recv_q")));
    r.push_back(std::to_string(num(s, "send_q")));
    const json none = json::object();
    const bool v6only = s.value("v6only", false);
    SsAddr l = ss_addr(s.contains("local") ? s.at("local") : none, netid, o.numeric, false, v6only);
    SsAddr p = ss_addr(s.contains("peer") ? s.at("peer") : none, netid, o.numeric, true, v6only);
    if (is_unix(netid)) {
      l.port = std::to_string(num(s, "ino"));
      p.port = std::to_string(s.contains("peer_id") ? ino_of[num(s, "peer_id")] : 0);
    }
    r.push_back(l.addr + l.sep);
    r.push_back(l.port);
    r.push_back(p.addr + p.sep);
    r.push_back(p.port);
    // ss starts the process column's text with a space (none when empty).
    std::string proc = o.processes ? ss_users(s.value("users", json::array())) : "";
    if (!proc.empty()) proc.insert(0, " ");
    if (o.extended) proc += extended(s);
    r.push_back(proc);
    std::string more;
    if (o.memory && s.contains("skmem")) more += " " + ss_skmem(s.at("skmem"));
    if (o.info && s.contains("tcp_info")) more += ss_tcp_info(s.at("tcp_info"), o);
    extra.push_back(more);
    rows.push_back(std::move(r));
  }
  for (size_t c = 0; c < cols.size(); ++c) {
    cols[c].width = cols[c].head.size();
    for (auto& r : rows) cols[c].width = std::max(cols[c].width, r[c].size());
  }
  std::string out;
  for (size_t c = 0; c < cols.size(); ++c) {
    out += cols[c].delim;
    out += pad(cols[c].head, cols[c].width, cols[c].right);
  }
  out += "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    for (size_t c = 0; c < cols.size(); ++c) {
      line += cols[c].delim;
      line += pad(rows[i][c], extra[i].empty() || c + 1 < cols.size() ? cols[c].width : 0, cols[c].right);
    }
    if (!extra[i].empty()) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      line += "\n\t" + extra[i];
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace tunsock::ctl
