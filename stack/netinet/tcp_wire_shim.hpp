// TEMPORARY: a private copy of contract A (stack/wire/tcp.hpp, owned by
// wire-tcp) in a namespace of its own, so that TCP builds before the real
// one lands in main. tcp_var.hpp aliases it as `tw`; once wire/tcp.hpp is
// merged the alias points at tunsock::wire and this file goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "wire/ip.hpp"

namespace tunsock::tcpwire {

using wire::Bytes;
using wire::get16;
using wire::get32;
using wire::put16;
using wire::put32;

inline constexpr uint8_t IPPROTO_TCP_ = 6;
inline constexpr int kTcpHdrLen = 20;
inline constexpr int kTcpMaxOptLen = 40;
inline constexpr uint8_t TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PUSH = 0x08, TH_ACK = 0x10, TH_URG = 0x20,
                         TH_ECE = 0x40, TH_CWR = 0x80;
struct SackBlock {
  uint32_t start = 0, end = 0;
};
struct TcpOptions {
  std::optional<uint16_t> mss;
  std::optional<uint8_t> wscale;
  bool sack_permitted = false;
  bool has_ts = false;
  uint32_t ts_val = 0, ts_ecr = 0;
  uint8_t nsack = 0;
  SackBlock sack[4];
};
enum class TcpError { kNone, kTooShort, kDataOffset, kOptions };
struct TcpRepr {
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t win = 0;
  uint16_t urp = 0;
  uint16_t cksum = 0;
  uint8_t hlen = kTcpHdrLen;
  TcpOptions opts;
};
std::optional<TcpRepr> tcp_parse(Bytes seg, TcpError* why = nullptr);
size_t tcp_options_len(const TcpOptions& o);
size_t tcp_emit(std::byte* out, const TcpRepr& r);
inline void tcp_set_cksum(std::byte* tcphdr, uint16_t c) { put16(tcphdr + 16, c); }

}  // namespace tunsock::tcpwire
