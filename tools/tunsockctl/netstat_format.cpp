// netstat -s / -m / -i and ip -s link over the daemon's JSON. The Linux
// lines map the stack's FreeBSD-style counters onto /proc/net/snmp's MIB
// (InReceives = ipstat.total, InHdrErrors = the header drops, ...) and use
// net-tools' wording; the "Drops:" block after each section lists each drop
// counter under the stack's own name for its reason.
#include "netstat_format.hpp"

#include <cinttypes>
#include <cstdio>
#include <utility>
#include <vector>

namespace tunsock::ctl {

using nlohmann::json;

namespace {

uint64_t num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<uint64_t>() : 0;
}

uint64_t sum(const json& j, std::initializer_list<const char*> keys) {
  uint64_t s = 0;
  for (const char* k : keys) s += num(j, k);
  return s;
}

std::string line(uint64_t n, const char* what) { return "    " + std::to_string(n) + " " + what + "\n"; }
std::string hist(const char* what, uint64_t n) { return "        " + std::string(what) + ": " + std::to_string(n) + "\n"; }

using Reasons = std::vector<std::pair<const char*, const char*>>;  // counter, reason

// Every drop counter of a protocol, zero or not, so a reader sees what the
// stack counts.
std::string drops(const json& j, const Reasons& r) {
  std::string s = "    Drops:\n";
  for (auto& [key, why] : r) s += "        " + std::to_string(num(j, key)) + " " + why + "\n";
  return s;
}

const Reasons kIpDrops = {{"tooshort", "with size smaller than minimum"},
                          {"badvers", "with incorrect version number"},
                          {"badhlen", "with header length < data size"},
                          {"badlen", "with data length < header length or > packet"},
                          {"badsum", "bad header checksums"},
                          {"badttl", "with ttl 0"},
                          {"badoptions", "with bad options"},
                          {"badaddr", "with a martian source or destination"},
                          {"notforus", "not for this host (not forwarded)"},
                          {"noproto", "for unknown/unsupported protocol"},
                          {"fragdropped", "fragments dropped (dup, overlap or out of space)"},
                          {"fragtimeout", "fragments dropped after timeout"},
                          {"odropped", "output packets dropped due to no bufs, etc."},
                          {"noroute", "output packets discarded due to no route"},
                          {"cantfrag", "datagrams that can't be fragmented"}};
const Reasons kIcmpDrops = {{"tooshort", "messages with bad length"},
                            {"checksum", "bad checksums"},
                            {"badcode", "messages with bad code fields"},
                            {"ratelimited", "errors not sent due to rate limit"},
                            {"olderr", "errors not generated (old message was icmp, fragment or broadcast)"}};
const Reasons kTcpDrops = {{"rcvbadsum", "discarded for bad checksums"},
                           {"rcvbadoff", "discarded for bad header offset fields"},
                           {"rcvshort", "discarded because packet too short"},
                           {"rcvduppack", "completely duplicate packets"},
                           {"pawsdrop", "old duplicate packets (PAWS)"},
                           {"rcvpackafterwin", "packets of data after window"},
                           {"rcvafterclose", "packets received after close"},
                           {"rcvacktoomuch", "acks for unsent data"},
                           {"badrst", "bad resets ignored"},
                           {"listen_overflows", "times the listen queue of a socket overflowed"},
                           {"syncache_drops", "SYNs to LISTEN sockets dropped"},
                           {"conndrops", "embryonic connections dropped"},
                           {"timeoutdrop", "connections dropped by rexmit timeout"},
                           {"keepdrops", "connections dropped by keepalive"},
                           {"drops", "connections dropped"},
                           {"listen_badseg", "segments to a listener dropped (RST, no SYN, or broadcast)"},
                           {"synsent_nosyn", "segments in SYN-SENT dropped (neither SYN nor RST)"},
                           {"rcvnoack", "segments without ACK dropped"},
                           {"rcvbadaddr", "segments to a multicast or from a v4-mapped or unspecified IPv6 address dropped"}};
const Reasons kUdpDrops = {{"hdrops", "with incomplete header"},
                           {"badlen", "with bad data length field"},
                           {"badsum", "with bad checksum"},
                           {"noport", "dropped due to no socket"},
                           {"noportbcast", "broadcast/multicast datagrams dropped due to no socket"},
                           {"fullsock", "dropped due to full socket buffers"}};

const Reasons kIp6Drops = {{"tooshort", "with size smaller than minimum"},
                           {"badvers", "with incorrect version number"},
                           {"badlen", "with data length < header length or > packet"},
                           {"badaddr", "with a bad source or destination address"},
                           {"notforus", "not for this host (not forwarded)"},
                           {"badoptions", "with bad or unknown extension headers"},
                           {"noproto", "for unknown/unsupported protocol"},
                           {"toomanyhdr", "with too many extension headers"},
                           {"fragdropped", "fragments dropped (dup or out of space)"},
                           {"fragoverlap", "fragments dropped for overlapping (RFC 5722)"},
                           {"fragtimeout", "fragments dropped after timeout"},
                           {"odropped", "output packets dropped due to no bufs, etc."},
                           {"noroute", "output packets discarded due to no route"},
                           {"cantfrag", "datagrams that can't be fragmented"}};
const Reasons kIcmp6Drops = {{"tooshort", "messages with bad length"},
                             {"checksum", "bad checksums"},
                             {"unknown", "messages of unknown type"},
                             {"ratelimited", "errors not sent due to rate limit"},
                             {"olderr", "errors not generated (old message was an error, or multicast)"}};

// Linux's Ip6/Icmp6 lines (netstat -s reads them from /proc/net/snmp6).
std::string ip6_sections(const json& ip, const json& c) {
  std::string s = "Ip6:\n";
  s += line(num(ip, "total"), "total packets received");
  if (uint64_t v = sum(ip, {"tooshort", "badvers", "badlen", "badoptions", "toomanyhdr"}))
    s += line(v, "with invalid headers");
  if (uint64_t v = sum(ip, {"badaddr", "notforus"})) s += line(v, "with invalid addresses");
  if (uint64_t v = num(ip, "noproto")) s += line(v, "with unknown protocol");
  s += line(num(ip, "delivered"), "incoming packets delivered");
  s += line(num(ip, "localout"), "requests sent out");
  if (uint64_t v = num(ip, "noroute")) s += line(v, "dropped because of missing route");
  if (uint64_t v = num(ip, "fragments")) s += line(v, "reassemblies required");
  if (uint64_t v = num(ip, "reassembled")) s += line(v, "packets reassembled ok");
  if (uint64_t v = num(ip, "ofragments")) s += line(v, "fragments created");
  s += drops(ip, kIp6Drops);
  s += "Icmp6:\n";
  s += line(num(c, "inmsgs"), "ICMP messages received");
  s += line(num(c, "inerrors"), "input ICMP message failed");
  s += line(num(c, "outmsgs"), "ICMP messages sent");
  s += line(num(c, "outerrors"), "ICMP messages failed");
  return s + drops(c, kIcmp6Drops);
}

std::string ip_section(const json& ip) {
  std::string s = "Ip:\n    Forwarding: 2\n";  // 2: not a router (Linux's "not forwarding")
  s += line(num(ip, "total"), "total packets received");
  if (uint64_t v = sum(ip, {"tooshort", "badvers", "badhlen", "badlen", "badsum", "badttl", "badoptions"}))
    s += line(v, "with invalid headers");
  if (uint64_t v = sum(ip, {"badaddr", "notforus"})) s += line(v, "with invalid addresses");
  s += line(0, "forwarded");
  if (uint64_t v = num(ip, "noproto")) s += line(v, "with unknown protocol");
  s += line(0, "incoming packets discarded");
  s += line(num(ip, "delivered"), "incoming packets delivered");
  s += line(num(ip, "localout"), "requests sent out");
  if (uint64_t v = num(ip, "odropped")) s += line(v, "outgoing packets dropped");
  if (uint64_t v = num(ip, "noroute")) s += line(v, "dropped because of missing route");
  if (uint64_t v = num(ip, "fragtimeout")) s += line(v, "fragments dropped after timeout");
  if (uint64_t v = num(ip, "fragments")) s += line(v, "reassemblies required");
  if (uint64_t v = num(ip, "reassembled")) s += line(v, "packets reassembled ok");
  if (uint64_t v = sum(ip, {"fragdropped", "fragtimeout"})) s += line(v, "packet reassemblies failed");
  if (uint64_t v = num(ip, "fragmented")) s += line(v, "fragments received ok");
  if (uint64_t v = num(ip, "cantfrag")) s += line(v, "fragments failed");
  if (uint64_t v = num(ip, "ofragments")) s += line(v, "fragments created");
  return s + drops(ip, kIpDrops);
}

std::string icmp_section(const json& c) {
  std::string s = "Icmp:\n";
  s += line(num(c, "inmsgs"), "ICMP messages received");
  s += line(sum(c, {"tooshort", "checksum", "badcode"}), "input ICMP message failed");
  s += "    ICMP input histogram:\n";
  if (uint64_t v = num(c, "inunreach")) s += hist("destination unreachable", v);
  if (uint64_t v = num(c, "inecho")) s += hist("echo requests", v);
  if (uint64_t v = num(c, "inechoreply")) s += hist("echo replies", v);
  s += line(num(c, "outmsgs"), "ICMP messages sent");
  s += line(0, "ICMP messages failed");
  s += "    ICMP output histogram:\n";
  if (uint64_t v = num(c, "outunreach")) s += hist("destination unreachable", v);
  if (uint64_t v = num(c, "outecho")) s += hist("echo requests", v);
  if (uint64_t v = num(c, "outechoreply")) s += hist("echo replies", v);
  s += drops(c, kIcmpDrops);
  s += "IcmpMsg:\n";
  const std::pair<const char*, const char*> kMsg[] = {{"InType0", "inechoreply"}, {"InType3", "inunreach"},
                                                      {"InType8", "inecho"},      {"OutType0", "outechoreply"},
                                                      {"OutType3", "outunreach"}, {"OutType8", "outecho"}};
  for (auto& [name, key] : kMsg)
    if (uint64_t v = num(c, key)) s += hist(name, v);
  return s;
}

std::string tcp_section(const json& t, uint64_t estab) {
  std::string s = "Tcp:\n";
  s += line(num(t, "connattempt"), "active connection openings");
  s += line(num(t, "accepts"), "passive connection openings");
  s += line(num(t, "conndrops"), "failed connection attempts");
  s += line(num(t, "drops"), "connection resets received");
  s += line(estab, "connections established");
  s += line(num(t, "rcvtotal"), "segments received");
  s += line(num(t, "sndtotal"), "segments sent out");
  s += line(num(t, "sndrexmitpack"), "segments retransmitted");
  s += line(sum(t, {"rcvbadsum", "rcvbadoff", "rcvshort"}), "bad segments received");
  s += line(num(t, "sndrst"), "resets sent");
  return s + drops(t, kTcpDrops);
}

std::string udp_section(const char* name, const json& u) {
  std::string s = std::string(name) + ":\n";
  const uint64_t dropped = sum(u, {"hdrops", "badlen", "badsum", "noport", "noportbcast", "fullsock"});
  const uint64_t in = num(u, "ipackets");
  s += line(in > dropped ? in - dropped : 0, "packets received");
  s += line(sum(u, {"noport", "noportbcast"}), "packets to unknown port received");
  s += line(sum(u, {"hdrops", "badlen", "badsum", "fullsock"}), "packet receive errors");
  s += line(num(u, "opackets"), "packets sent");
  s += line(num(u, "fullsock"), "receive buffer errors");
  s += line(0, "send buffer errors");
  return s + drops(u, kUdpDrops);
}

}  // namespace

std::string netstat_s(const json& c) {
  const json none = json::object();
  auto part = [&](const char* k) -> const json& { return c.contains(k) ? c.at(k) : none; };
  std::string s;
  s += ip_section(part("ip"));
  s += icmp_section(part("icmp"));
  s += tcp_section(part("tcp"), num(c, "tcp_curr_estab"));
  s += udp_section("Udp", part("udp"));
  // UDP-Lite (RFC 3828) counts as UDP does, once the stack has it.
  s += c.contains("udplite") ? udp_section("UdpLite", c.at("udplite")) : "UdpLite:\n";
  if (c.contains("ip6")) s += ip6_sections(c.at("ip6"), part("icmp6"));
  // The stack's own: the local domain and the socket layer (no Linux MIB).
  const json& l = part("local");
  s += "Unix:\n";
  s += line(num(l, "binds"), "binds");
  s += line(num(l, "autobinds"), "autobinds");
  s += line(num(l, "connects"), "connects");
  s += line(num(l, "dgrams_sent"), "datagrams sent");
  s += drops(l, {{"refused", "connects refused (no listener, or its backlog full)"},
                 {"not_ours", "names that are not the stack's (left to the host kernel)"},
                 {"dgrams_dropped", "datagrams dropped (receiver gone or full)"},
                 {"rights_disposed", "passed descriptors never received (closed)"}});
  const json& so = part("sockets");
  s += "Sockets:\n";
  s += line(num(so, "created"), "sockets created");
  s += line(num(so, "freed"), "sockets freed");
  s += line(num(so, "accepted"), "connections accepted");
  s += line(num(so, "connects"), "connects");
  s += drops(so, {{"connect_refused", "connects refused"}, {"listen_overflows", "listen queue overflows"}});
  return s;
}

std::string netstat_m(const json& m) {
  const uint64_t msize = num(m, "mbuf_size"), csize = num(m, "cluster_size");
  const uint64_t mused = num(m, "mbufs_in_use"), cused = num(m, "clusters_in_use");
  const uint64_t midle = num(m, "mbufs_cached") + num(m, "mbufs_pooled");
  const uint64_t cidle = num(m, "clusters_cached") + num(m, "clusters_pooled");
  auto kb = [&](uint64_t mb, uint64_t cl) { return (mb * msize + cl * csize) / 1024; };
  char b[1024];
  std::snprintf(b, sizeof b,
                "%" PRIu64 "/%" PRIu64 "/%" PRIu64 " mbufs in use (current/cache/total)\n"
                "%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 " mbuf clusters in use (current/cache/total/max)\n"
                "%" PRIu64 "/%" PRIu64 " mbufs cached (per thread/general pool)\n"
                "%" PRIu64 "/%" PRIu64 " mbuf clusters cached (per thread/general pool)\n"
                "%" PRIu64 "K/%" PRIu64 "K/%" PRIu64 "K bytes allocated to network (current/cache/total)\n"
                "%" PRIu64 "/%" PRIu64 " requests for mbufs denied (mbufs/clusters)\n"
                "%" PRIu64 " mbufs max (0 = unlimited)\n",
                mused, midle, mused + midle, cused, cidle, cused + cidle, num(m, "cluster_limit"),
                num(m, "mbufs_cached"), num(m, "mbufs_pooled"), num(m, "clusters_cached"), num(m, "clusters_pooled"),
                kb(mused, cused), kb(midle, cidle), kb(mused + midle, cused + cidle), num(m, "mbuf_failures"),
                num(m, "cluster_failures"), num(m, "mbuf_limit"));
  return b;
}

namespace {

constexpr uint64_t kUp = 0x1, kBroadcast = 0x2, kLoopback = 0x8, kPointopoint = 0x10, kRunning = 0x40;

struct IfRow {
  uint64_t rx_ok, rx_err, rx_drp, rx_ovr, tx_ok, tx_err, tx_drp, tx_ovr;
};

// netstat -i's columns from the interface's counters and, for the TUN
// device, its driver's: a read without mbufs is a drop, one longer than the
// MTU an overrun; failed or short writes are transmit errors.
IfRow if_row(const json& i) {
  const json none = json::object();
  const json& st = i.contains("stats") ? i.at("stats") : none;
  const json& tun = i.contains("tun") ? i.at("tun") : none;
  return {num(st, "rx_packets"),
          num(st, "rx_errors"),
          num(st, "rx_dropped") + num(tun, "rx_nobufs"),
          num(tun, "rx_oversize"),
          num(st, "tx_packets"),
          num(st, "tx_errors") + num(tun, "tx_errors") + num(tun, "tx_short"),
          num(st, "tx_dropped"),
          0};
}

}  // namespace

std::string netstat_i(const json& j) {
  std::string s = "Kernel Interface table\n";
  char b[256];
  std::snprintf(b, sizeof b, "%-15s %5s %8s %6s %6s %-6s %8s %6s %6s %6s %s\n", "Iface", "MTU", "RX-OK", "RX-ERR",
                "RX-DRP", "RX-OVR", "TX-OK", "TX-ERR", "TX-DRP", "TX-OVR", "Flg");
  s += b;
  if (!j.contains("interfaces")) return s;
  for (const json& i : j.at("interfaces")) {
    const uint64_t f = num(i, "flags");
    std::string flg;
    if (f & kBroadcast) flg += 'B';
    if (f & kLoopback) flg += 'L';
    if (f & kPointopoint) flg += 'P';
    if (f & kRunning) flg += 'R';
    if (f & kUp) flg += 'U';
    IfRow r = if_row(i);
    std::snprintf(b, sizeof b,
                  "%-15s %5" PRIu64 " %8" PRIu64 " %6" PRIu64 " %6" PRIu64 " %-6" PRIu64 " %8" PRIu64 " %6" PRIu64
                  " %6" PRIu64 " %6" PRIu64 " %s\n",
                  i.value("name", "").c_str(), num(i, "mtu"), r.rx_ok, r.rx_err, r.rx_drp, r.rx_ovr, r.tx_ok,
                  r.tx_err, r.tx_drp, r.tx_ovr, flg.c_str());
    s += b;
  }
  return s;
}

std::string ip_s_link(const json& j) {
  std::string s;
  if (!j.contains("interfaces")) return s;
  char b[256];
  for (const json& i : j.at("interfaces")) {
    const uint64_t f = num(i, "flags");
    std::string fl;
    auto add = [&](bool on, const char* n) {
      if (!on) return;
      if (!fl.empty()) fl += ',';
      fl += n;
    };
    add(f & kLoopback, "LOOPBACK");
    add(f & kBroadcast, "BROADCAST");
    add(f & kPointopoint, "POINTOPOINT");
    add(f & kUp, "UP");
    add(f & kRunning, "LOWER_UP");
    const json none = json::object();
    const json& st = i.contains("stats") ? i.at("stats") : none;
    std::snprintf(b, sizeof b, "%" PRIu64 ": %s: <%s> mtu %" PRIu64 "\n", num(i, "index"),
                  i.value("name", "").c_str(), fl.c_str(), num(i, "mtu"));
    s += b;
    IfRow r = if_row(i);
    s += "    RX:  bytes packets errors dropped  missed   mcast\n";
    std::snprintf(b, sizeof b, "    %10" PRIu64 " %7" PRIu64 " %6" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7d\n",
                  num(st, "rx_bytes"), r.rx_ok, r.rx_err, r.rx_drp, r.rx_ovr, 0);
    s += b;
    s += "    TX:  bytes packets errors dropped carrier collsns\n";
    std::snprintf(b, sizeof b, "    %10" PRIu64 " %7" PRIu64 " %6" PRIu64 " %7" PRIu64 " %7d %7d\n",
                  num(st, "tx_bytes"), r.tx_ok, r.tx_err, r.tx_drp, 0, 0);
    s += b;
  }
  return s;
}

}  // namespace tunsock::ctl
