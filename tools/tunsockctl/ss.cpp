// tunsockctl ss [-t|-u|-x|-w] [-a|-l] [-n] [-p] [-i] [-m] [-e] [-4|-6]
// [state NAME] [FILTER]: the stack's sockets as ss(8) shows the kernel's
// (ss_format.hpp), filtered on this side (ss_filter.hpp); --json prints
// the selected sockets' JSON (docs/ctl-json.md). `ss -H [FILTER]` hands
// over to the history command.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "ctl_client.hpp"
#include "ss_filter.hpp"
#include "ss_format.hpp"

namespace tunsock::ctl {
namespace {

using nlohmann::json;

constexpr int kMaxPages = 10000;  // bounded: a table of a million sockets at most

const char kUsage[] =
    "usage: tunsockctl ss [-t|-u|-x|-w] [-a|-l] [-n] [-p] [-i] [-m] [-e] [-4|-6]\n"
    "                     [state NAME|exclude NAME]... [FILTER]\n"
    "       tunsockctl ss -H [FILTER]   a connection's history (the history command)\n"
    "FILTER as ss(8): sport = :80, dport != :https, src 198.18.0.1, dst 198.18.0.0/15:443,\n"
    "joined by and, or, not and parentheses.\n";

bool parse_flag(char f, SsOptions& o, bool& history) {
  switch (f) {
    case 't': o.tcp = true; break;
    case 'u': o.udp = true; break;
    case 'x': o.unix_ = true; break;
    case 'w': o.raw = true; break;
    case 'a': o.all = true; break;
    case 'l': o.listening = true; break;
    case 'n': o.numeric = true; break;
    case 'p': o.processes = true; break;
    case 'i': o.info = true; break;
    case 'm': o.memory = true; break;
    case 'e': o.extended = true; break;
    case '4': o.ipv4_only = true; break;
    case '6': o.ipv6_only = true; break;
    case 'H': history = true; break;
    default: return false;
  }
  return true;
}

bool parse_long(const std::string& a, SsOptions& o) {
  static const std::pair<const char*, char> kLong[] = {
      {"--tcp", 't'},       {"--udp", 'u'},  {"--unix", 'x'},   {"--raw", 'w'},    {"--all", 'a'},
      {"--listening", 'l'}, {"--numeric", 'n'}, {"--processes", 'p'}, {"--info", 'i'}, {"--memory", 'm'},
      {"--extended", 'e'},  {"--ipv4", '4'}, {"--ipv6", '6'}};
  bool unused = false;
  for (auto& [name, f] : kLong)
    if (a == name) return parse_flag(f, o, unused);
  return false;
}

// Every socket of the daemon, page by page (CtlQuery kCtlSockets).
std::optional<std::vector<json>> fetch_sockets(Context& ctx) {
  std::vector<json> all;
  uint64_t after = 0;
  for (int page = 0; page < kMaxPages; ++page) {
    ipc::Request q = ipc::make_request(ipc::Op::CtlQuery, 0, 0);
    q.a = ipc::kCtlSockets;
    q.value = int64_t(after);
    auto r = ctx.client.call(q);
    if (!r) {
      std::fprintf(stderr, "tunsockctl: %s\n", ctx.client.error().c_str());
      return std::nullopt;
    }
    if (r->hdr.error) {
      std::fprintf(stderr, "tunsockctl ss: the daemon answered %s\n", std::strerror(r->hdr.error));
      return std::nullopt;
    }
    json j = json::parse(r->payload, nullptr, false);
    if (j.is_discarded() || !j.contains("sockets") || !j["sockets"].is_array()) {
      std::fprintf(stderr, "tunsockctl ss: the daemon's answer is not the socket table\n");
      return std::nullopt;
    }
    for (json& s : j["sockets"]) all.push_back(std::move(s));
    if (r->hdr.value == 0) return all;
    after = uint64_t(r->hdr.value);
  }
  return all;
}

int run_ss(Context& ctx, const std::vector<std::string>& args) {
  SsOptions o;
  bool history = false;
  std::vector<std::string> words;
  uint32_t include = 0, exclude = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if ((a == "state" || a == "exclude") && i + 1 < args.size() && words.empty()) {
      uint32_t bits = ss_state_arg(args[++i]);
      if (!bits) {
        std::fprintf(stderr, "tunsockctl ss: wrong state name: %s\n", args[i].c_str());
        return 2;
      }
      (a == "state" ? include : exclude) |= bits;
      continue;
    }
    if (a.rfind("--", 0) == 0 && words.empty()) {
      if (!parse_long(a, o)) {
        std::fprintf(stderr, "tunsockctl ss: unknown option %s\n%s", a.c_str(), kUsage);
        return 2;
      }
      continue;
    }
    if (a.size() > 1 && a[0] == '-' && words.empty()) {
      for (size_t k = 1; k < a.size(); ++k)
        if (!parse_flag(a[k], o, history)) {
          std::fprintf(stderr, "tunsockctl ss: unknown option -%c\n%s", a[k], kUsage);
          return 2;
        }
      continue;
    }
    words.push_back(a);
  }
  if (history) {
    CommandFn h = find_command("history");
    if (!h) {
      std::fprintf(stderr, "tunsockctl ss -H: history not available\n");
      return 1;
    }
    return h(ctx, words);
  }
  if (include || exclude) o.states = (include ? include : ss_state_arg("all")) & ~exclude;
  std::string err;
  auto filter = SsFilter::parse(words, &err);
  if (!filter) {
    std::fprintf(stderr, "tunsockctl ss: bad filter: %s\n", err.c_str());
    return 2;
  }
  auto all = fetch_sockets(ctx);
  if (!all) return 1;
  std::vector<json> shown;
  for (const json& s : *all)
    if (ss_selected(s, o) && filter->matches(ss_tuple(s))) shown.push_back(s);
  if (ctx.json) {
    std::string out = json{{"sockets", shown}}.dump(2) + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }
  std::string out = ss_render(shown, o, *all);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

const Command kSs("ss", "the stack's sockets as ss shows them (-tuxw -al -npime, FILTER)", run_ss);

}  // namespace
}  // namespace tunsock::ctl
