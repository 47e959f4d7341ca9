// ss's filter expressions (iproute2 ss(8) "FILTER", its ssfilter.y grammar):
// `sport = :80`, `dport != :https`, `src 198.18.0.1`, `dst 198.18.0.0/15:443`,
// `sport >= :1024`, joined by and/&/&&, or/|/||, not/!, and parentheses;
// `and` binds tighter than `or`, juxtaposition means `and`, as in ss.
// Evaluated on the client: the daemon sends every socket, tunsockctl (ss and
// history) keeps those that match.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tunsock::ctl {

// One end of a socket as the filter sees it. family: AF_INET, AF_INET6 or
// AF_UNIX (path set, addr/port unused); 0 when the end has no address.
struct SsEndpoint {
  int family = 0;
  std::array<uint8_t, 16> addr{};  // network order; IPv4 in the first 4 bytes
  uint16_t port = 0;               // host order
  std::string path;                // AF_UNIX

  static SsEndpoint inet(uint32_t addr_host_order, uint16_t port);
  static SsEndpoint inet6(const uint8_t (&addr)[16], uint16_t port);
  static SsEndpoint local(std::string path);
};

struct SsTuple {
  SsEndpoint src;  // the socket's own (local) end
  SsEndpoint dst;  // its peer
};

class SsFilter {
 public:
  struct Node;

  // Parse the words after ss's options (ss joins them with spaces, so
  // `'sport = :80'` and `sport = :80` are the same). An empty list matches
  // everything. nullopt with a message in *error on a syntax error.
  static std::optional<SsFilter> parse(const std::vector<std::string>& words, std::string* error);
  static std::optional<SsFilter> parse(const std::string& text, std::string* error);

  bool matches(const SsTuple& t) const;
  bool empty() const { return !root_; }

 private:
  std::shared_ptr<const Node> root_;  // null: match all
};

}  // namespace tunsock::ctl
