// A scripted TCP peer for unit tests, in gVisor's style: a packet builder
// (IPv4 + TCP with options and payload, checksums right), composable
// checkers over what the Stack emits, and a peer that keeps its own sequence
// state, injects segments into a test Host (inet_fixture.hpp: the Stack's
// "tun0" whose output the test reads) and steps the virtual clock from one
// deadline to the next, stamping each emitted packet with its time.
// RFC 9293 §3.1 (header), §3.10 (what the tests script).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "netinet/inet_fixture.hpp"
#include "wire/tcp.hpp"

namespace tunsock::test {

// ---- building what the peer sends ----------------------------------------

struct TcpSegSpec {
  uint32_t src = kPeer, dst = kUs;  // host order
  wire::TcpRepr tcp;                // cksum and hlen are computed
  Pkt payload;
  uint8_t ttl = 64, tos = 0;
  uint16_t id = 0;
  bool df = true;
  bool bad_cksum = false;           // flip the TCP checksum
};
// IPv4 (20 bytes) + TCP header + options (wire::tcp_emit) + payload.
Pkt tcp_build(const TcpSegSpec& s);

// Linux's SYN options: mss 1460, sackOK, TS val ts ecr 0, wscale 7.
wire::TcpOptions linux_syn_options(uint32_t ts_val = 1);

// ---- reading what the stack sends ----------------------------------------

struct TcpSeg {
  wire::Ipv4Repr ip;
  wire::TcpRepr tcp;
  Pkt payload;
  Pkt options;             // the option bytes as sent
  bool cksum_ok = false;   // the TCP checksum over the pseudo-header
  std::string line;        // tcpdump -n -S's line, for messages
  // Sequence space the segment occupies: payload + SYN + FIN.
  uint32_t seg_len() const {
    return uint32_t(payload.size()) + ((tcp.flags & wire::TH_SYN) ? 1 : 0) + ((tcp.flags & wire::TH_FIN) ? 1 : 0);
  }
};
// A well-formed IPv4 TCP packet (IPv4 header valid, TCP header parses), or
// nullopt with why (e.g. "not TCP: IP ... ICMP ...").
std::optional<TcpSeg> tcp_seg_parse(const Pkt& p, std::string* why = nullptr);

// ---- checkers: "" when the segment passes, else what differs ----------------

using TcpCheck = std::function<std::string(const TcpSeg&)>;
namespace tc {
TcpCheck flags(uint8_t exact);          // e.g. TH_RST | TH_ACK
TcpCheck flags_set(uint8_t bits);       // these set, others free
TcpCheck flags_clear(uint8_t bits);     // these clear
TcpCheck seq(uint32_t v);
TcpCheck ack(uint32_t v);
TcpCheck window(uint16_t raw);
TcpCheck src_port(uint16_t p);
TcpCheck dst_port(uint16_t p);
TcpCheck src(uint32_t a);
TcpCheck dst(uint32_t a);
TcpCheck payload_len(size_t n);
TcpCheck payload(const Pkt& data);
TcpCheck cksum_ok();
TcpCheck mss(uint16_t v);
TcpCheck no_mss();
TcpCheck wscale(uint8_t v);
TcpCheck no_wscale();
TcpCheck sack_permitted(bool present);
TcpCheck ts();                           // timestamps present (any values)
TcpCheck ts_ecr(uint32_t ecr);           // present, echoing ecr
TcpCheck no_ts();
TcpCheck sack(std::vector<wire::SackBlock> blocks);  // exactly these, in order
TcpCheck no_sack();
TcpCheck options_bytes(const Pkt& raw);  // the option bytes exactly (Linux layouts)
}  // namespace tc
// Every failing check's text, "; "-joined; "" when all pass.
std::string tcp_check(const TcpSeg& s, const std::vector<TcpCheck>& checks);

// ---- the peer --------------------------------------------------------------

struct Emitted {
  Time at;   // the stack's clock when the packet left
  Pkt pkt;
};

class TcpPeer {
 public:
  TcpPeer(Host& h, uint16_t port, uint16_t stack_port, uint32_t addr = kPeer, uint32_t stack_addr = kUs);

  Host& host;
  uint32_t addr, stack_addr;
  uint16_t port, stack_port;
  uint32_t snd_nxt = 1000;    // the next sequence number the peer sends
  uint32_t rcv_nxt = 0;       // what the peer acknowledges
  uint16_t win = 64240;       // raw window field the peer advertises
  uint8_t ttl = 64;
  // RFC 7323 timestamps: once the stack's SYN-ACK (or SYN) carries TS,
  // make() puts TS val ts_val ecr ts_recent on every segment.
  bool ts_on = false;
  uint32_t ts_val = 1;
  uint32_t ts_recent = 0;     // the stack's last TS val (learnt by expect)

  // A segment from the peer's state: ports, seq = snd_nxt, ack = rcv_nxt
  // when flags has ACK, win, and timestamps when ts_on.
  wire::TcpRepr make(uint8_t flags) const;
  // Inject t with payload (checksums right); snd_nxt moves past its SYN,
  // payload and FIN when its seq was snd_nxt. Delivers at the current time.
  void send(const wire::TcpRepr& t, const Pkt& payload = {});
  void send(uint8_t flags, const Pkt& payload = {}) { send(make(flags), payload); }
  // The SYN Linux sends (options linux_syn_options(ts_val)); snd_nxt = iss + 1.
  void send_syn(uint32_t iss);
  void inject(const Pkt& raw);

  // Step the clock to now + d, polling at each deadline on the way so
  // every timer fires at its own time.
  void advance(Time d);
  // Packets emitted and not yet taken (collected from the host).
  size_t pending();
  std::optional<Emitted> take();  // the oldest, any protocol
  // The next emitted packet must be a TCP segment passing every check
  // (doctest failures name the checks and the packet's tcpdump line).
  // With learn: rcv_nxt moves past it (a SYN sets it), ts_recent and ts_on
  // follow its timestamps.
  std::optional<TcpSeg> expect(const std::vector<TcpCheck>& checks, bool learn = true);
  // Nothing is emitted now nor while the clock advances by d.
  bool expect_silence(Time d);

 private:
  void collect();
  std::deque<Emitted> q_;
};

}  // namespace tunsock::test
