// What history.cpp shares with plot.cpp: fetching the daemon's per-connection
// histories (Op::History, every page) and keeping the connections a filter
// or a socket id selects.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tunsock::ctl {

struct Context;

// The History reply merged over its pages: {"now_us", "wall_offset_us",
// "capacity", "connections": [...]} (docs/ctl-json.md "history"), holding
// the connections that `select` picks: empty = all, one all-digit word = that
// socket id, else an ss filter (`sport = :80`, `dst 198.18.0.2`...). nullopt
// with a message in *error when the daemon cannot be asked or the filter is bad.
std::optional<nlohmann::json> fetch_history(Context& ctx, const std::vector<std::string>& select, std::string* error);

}  // namespace tunsock::ctl
