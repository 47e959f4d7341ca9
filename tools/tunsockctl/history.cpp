// tunsockctl history [-tt] [FILTER... | SOCK_ID], also `tunsockctl ss -H
// FILTER`: each TCP connection's own history from the daemon's event rings
// (stack/netinet/tcp_history.hpp), headed by its 4-tuple and state, one line
// per event, times relative to the connection's start (-tt: seconds since
// the epoch, as tcpdump -tt); --json gives the raw events.
#include "history.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "command.hpp"
#include "ctl_client.hpp"
#include "ss_filter.hpp"

namespace tunsock::ctl {
namespace {

using nlohmann::json;

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

SsEndpoint endpoint(const json& e) {
  const std::string text = e.value("addr", "0.0.0.0");
  const uint16_t port = e.value("port", uint16_t(0));
  uint8_t a6[16];
  if (inet_pton(AF_INET6, text.c_str(), a6) == 1) return SsEndpoint::inet6(a6, port);
  in_addr a{};
  inet_pton(AF_INET, text.c_str(), &a);
  return SsEndpoint::inet(ntohl(a.s_addr), port);
}

// "198.18.0.1:80", "[2001:db8::1]:80" or "[::ffff:198.18.0.1]:80", as ss.
std::string end_text(const json& e) {
  const std::string a = e.value("addr", "?");
  return (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + std::to_string(e.value("port", 0u));
}

// One page of the daemon's reply; nullopt with *error set.
std::optional<json> fetch_page(Context& ctx, uint64_t sock_id, size_t from, std::string* error) {
  auto q = ipc::make_request(ipc::Op::History, 0, sock_id);
  q.a = int32_t(from);
  auto r = ctx.client.call(q);
  if (!r) {
    *error = ctx.client.error();
    return std::nullopt;
  }
  if (r->hdr.error) {
    *error = std::string("history: ") + std::strerror(r->hdr.error);
    return std::nullopt;
  }
  json j = json::parse(r->payload, nullptr, false);
  if (j.is_discarded() || !j.contains("connections")) {
    *error = "history: the daemon's reply is not the history JSON";
    return std::nullopt;
  }
  return j;
}

std::string timestamp(const json& doc, const json& conn, const json& ev, bool absolute) {
  char buf[64];
  const int64_t t = ev.value("t_us", int64_t(0));
  if (!absolute) {
    std::snprintf(buf, sizeof buf, "+%" PRId64 ".%06" PRId64, t / 1000000, t % 1000000);
  } else {
    const int64_t us = doc.value("wall_offset_us", int64_t(0)) + conn.value("start_us", int64_t(0)) + t;
    std::snprintf(buf, sizeof buf, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
  }
  return buf;
}

void print_text(const json& doc, bool absolute) {
  bool first = true;
  for (const json& c : doc["connections"]) {
    if (!first) std::printf("\n");
    first = false;
    const json& l = c["local"];
    const json& r = c["remote"];
    std::printf("%s > %s  %s  (sock %" PRIu64 ", %s, mss %u, %" PRIu64 " events", end_text(l).c_str(),
                end_text(r).c_str(), c.value("state", "?").c_str(), c.value("sock_id", uint64_t(0)),
                c.value("cc", "").c_str(), c.value("mss", 0u), c.value("events_total", uint64_t(0)));
    if (const uint64_t d = c.value("events_dropped", uint64_t(0))) std::printf(", the first %" PRIu64 " dropped", d);
    std::printf(")\n");
    for (const json& e : c["events"])
      std::printf("  %s %s\n", timestamp(doc, c, e, absolute).c_str(), e.value("text", "").c_str());
  }
}

int run_history(Context& ctx, const std::vector<std::string>& args) {
  bool absolute = false;
  std::vector<std::string> select;
  for (const std::string& a : args) {
    if (a == "-tt") absolute = true;
    else if (a == "-h" || a == "--help") {
      std::printf(
          "usage: tunsockctl history [-tt] [--json] [FILTER... | SOCK_ID]\n"
          "Each TCP connection's events (state changes, retransmissions and their cause,\n"
          "RTO and backoff, cwnd/ssthresh, windows, SACK blocks, resets and their rule),\n"
          "headed by its 4-tuple. FILTER as ss's: 'sport = :80', 'dst 198.18.0.2', and/or/not.\n"
          "-tt: absolute times (seconds since the epoch); else seconds since the connection began.\n");
      return 0;
    } else select.push_back(a);
  }
  std::string err;
  auto doc = fetch_history(ctx, select, &err);
  if (!doc) {
    std::fprintf(stderr, "tunsockctl: %s\n", err.c_str());
    return err.rfind("filter", 0) == 0 ? 2 : 1;
  }
  if (ctx.json) std::printf("%s\n", doc->dump(2).c_str());
  else print_text(*doc, absolute);
  return 0;
}

const Command kHistory("history", "each TCP connection's event history ([-tt] [FILTER | SOCK_ID])", run_history);

}  // namespace

std::optional<json> fetch_history(Context& ctx, const std::vector<std::string>& select, std::string* error) {
  const uint64_t sock_id = select.size() == 1 && all_digits(select[0]) ? std::stoull(select[0]) : 0;
  std::optional<SsFilter> filter;
  if (!sock_id) {
    std::string perr;
    filter = SsFilter::parse(select, &perr);
    if (!filter) {
      *error = "filter: " + perr;
      return std::nullopt;
    }
  }
  json out;
  json conns = json::array();
  size_t from = 0;
  for (int page = 0; page < 100000; ++page) {
    auto j = fetch_page(ctx, sock_id, from, error);
    if (!j) return std::nullopt;
    if (page == 0)
      for (const char* k : {"now_us", "wall_offset_us", "capacity"}) out[k] = (*j)[k];
    for (json& c : (*j)["connections"]) {
      if (filter && !filter->matches(SsTuple{endpoint(c["local"]), endpoint(c["remote"])})) continue;
      conns.push_back(std::move(c));
    }
    if (!(*j)["next"].is_number_unsigned()) break;
    const size_t next = (*j)["next"].get<size_t>();
    if (next <= from) break;  // a daemon that does not move on
    from = next;
  }
  out["connections"] = std::move(conns);
  return out;
}

}  // namespace tunsock::ctl
