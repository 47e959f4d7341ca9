// tcpdump's text for TCP: the one-line segment summary (print-tcp.c as of
// tcpdump 4.99) and the conversation table that turns absolute sequence
// numbers into relative ones as tcpdump does without -S.
// RFC 9293 §3.1 header, §3.2 options; RFC 7323; RFC 2018.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <list>
#include <string>
#include <unordered_map>

#include "wire/ip.hpp"

namespace tunsock::wire {

class TcpdumpTracker;

// tcpdump_line with a conversation table: TCP segments carrying ACK get
// relative seq/ack (and SACK edges) as `tcpdump -n` prints them; null
// tracker = absolute numbers, as `tcpdump -n -S` (what tcpdump_line does).
std::string tcpdump_line(Bytes head, TcpdumpTracker* t);

// Remembers each TCP conversation's initial sequence numbers in both
// directions, keyed by its 4-tuple in tcpdump's collating order, in a table
// bounded by max_conversations (the least recently seen is forgotten; its
// next segment starts it over, printing absolute numbers once).
// DEVIATION: tcpdump's table grows without bound.
class TcpdumpTracker {
 public:
  explicit TcpdumpTracker(size_t max_conversations = 4096) : max_(max_conversations ? max_conversations : 1) {}
  std::string line(Bytes head) { return tcpdump_line(head, this); }
  size_t size() const { return map_.size(); }

  // print-tcp.c's step for a segment with ACK (addresses host order): find
  // or record the conversation. A new one (or any SYN) is recorded and printed
  // as is; a known one gets its bases subtracted.
  struct Rel {
    uint32_t seq = 0, ack = 0;        // the numbers to print
    uint32_t thseq = 0, thack = 0;    // the bases (for SACK edges)
    bool rev = false;
  };
  Rel relate(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
             uint8_t flags);
  // The same for TCP over IPv6 (src, dst: 16 bytes each; a table apart
  // from IPv4's, collated by memcmp as print-tcp.c does).
  Rel relate6(const std::byte* src, const std::byte* dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
              uint8_t flags);

 private:
  struct Key {
    std::array<uint8_t, 16> src, dst;  // IPv4: the first 4 bytes
    uint32_t ports;
    bool v6;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t a, b, c, d;
      std::memcpy(&a, k.src.data(), 8), std::memcpy(&b, k.src.data() + 8, 8);
      std::memcpy(&c, k.dst.data(), 8), std::memcpy(&d, k.dst.data() + 8, 8);
      return std::hash<uint64_t>()((a ^ b * 31 ^ c * 961 ^ d * 29791 ^ k.v6) ^
                                   (uint64_t(k.ports) * 0x9e3779b97f4a7c15ull));
    }
  };
  struct Entry {
    Key key;
    uint32_t seq, ack;
  };
  // rev: the segment goes from the key's dst to its src.
  Rel relate_key(const Key& k, bool rev, uint32_t seq, uint32_t ack, uint8_t flags);
  size_t max_;
  std::list<Entry> lru_;  // front: most recently seen
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map_;
};

// The text after "IP " for a TCP segment: "src.sport > dst.dport: Flags
// [..], ..., length N", with tcpdump's wording for truncated captures,
// impossible data offsets and malformed options. src, dst host order; seg:
// the captured bytes of the segment; seglen: its length by the IP header.
std::string tcpdump_tcp(uint32_t src, uint32_t dst, Bytes seg, size_t seglen, TcpdumpTracker* t);
// The same over IPv6 (src, dst: the 16-byte addresses), as print-ip6.c
// hands TCP to print-tcp.c.
std::string tcpdump_tcp6(Bytes src, Bytes dst, Bytes seg, size_t seglen, TcpdumpTracker* t);

}  // namespace tunsock::wire
