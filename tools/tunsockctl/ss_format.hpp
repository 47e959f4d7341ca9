// tunsockctl ss's output: which sockets ss would show for its options, and
// the table in ss's columns and formats (iproute2 ss 6.x, as ss(8) and its
// output show them): widths measured from the content, addresses right-
// and ports left-aligned around the ':', service names unless -n, the -p
// users:(...) list, -e's uid/ino/sk, -m's skmem:(...), -i's tcp_info line.
// Input: the daemon's CtlQuery/kCtlSockets JSON (docs/ctl-json.md).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ss_filter.hpp"

namespace tunsock::ctl {

struct SsOptions {
  // Kinds: none set means all of them (ss without -t/-u/-x/-w).
  bool tcp = false, udp = false, unix_ = false, raw = false;
  bool all = false, listening = false;  // -a / -l
  bool numeric = false;                 // -n
  bool processes = false;               // -p
  bool info = false;                    // -i
  bool memory = false;                  // -m
  bool extended = false;                // -e
  bool ipv4_only = false, ipv6_only = false;  // -4 / -6
  uint32_t states = 0;                  // `state NAME`: bits of kSsState*, 0 = by -a/-l
};

// ss's state bits (Linux TCP_* numbering, as ss's state filter uses).
uint32_t ss_state_bit(const std::string& ss_state_name);  // "ESTAB" -> its bit, 0 if unknown
// A `state`/`exclude` argument of ss ("established", "connected", "all",
// ...) as a set of bits; 0 when unknown.
uint32_t ss_state_arg(const std::string& word);

// Does ss with opts show the socket (kind, family, -a/-l/state rules)?
bool ss_selected(const nlohmann::json& sock, const SsOptions& opts);
// The 4-tuple the filter sees.
SsTuple ss_tuple(const nlohmann::json& sock);

// Whole output: header and one row per socket (plus -i/-m lines). peers_ino
// maps a unix socket's peer id to its inode (the "Port" of ss -x's peer).
std::string ss_render(const std::vector<nlohmann::json>& socks, const SsOptions& opts,
                      const std::vector<nlohmann::json>& all_socks);

// Pieces, for tests.
std::string ss_users(const nlohmann::json& users);           // users:(("a",pid=1,fd=3),...)
std::string ss_skmem(const nlohmann::json& skmem);           // skmem:(r0,rb...,d0)
std::string ss_tcp_info(const nlohmann::json& ti, const SsOptions& opts);  // " cubic wscale:7,7 rto:..."
std::string ss_bw(double bps, bool numeric);                 // "67.1G" / "67100000000"
// Address and port as ss prints them in its two columns ("198.18.0.1", ":",
// "http"). netid picks the service protocol (tcp/udp) or the protocol name
// (raw); peer: an unconnected inet peer prints "*" for its port; v6only: the
// socket is IPv6-only (its "::" prints as "[::]", else as "*").
struct SsAddr {
  std::string addr, sep, port;
};
SsAddr ss_addr(const nlohmann::json& end, const std::string& netid, bool numeric, bool peer, bool v6only = false);

}  // namespace tunsock::ctl
