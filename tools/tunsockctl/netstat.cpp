// tunsockctl netstat -s | -m | -i [--link]: the stack's counters (netstat -s
// in Linux's sections and wording, with every drop and its reason), its
// mbufs (FreeBSD's netstat -m), its interfaces (netstat -i, or ip -s link
// with --link). --json prints the daemon's JSON (docs/ctl-json.md).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "ctl_client.hpp"
#include "netstat_format.hpp"

namespace tunsock::ctl {
namespace {

using nlohmann::json;

const char kUsage[] =
    "usage: tunsockctl netstat -s | -m | -i [--link]\n"
    "  -s      per-protocol counters (Ip, Icmp, Tcp, Udp, UdpLite) and every drop with its reason\n"
    "  -m      mbufs and clusters: in use, cached, pooled, denied\n"
    "  -i      interfaces: packets, errors, drops, overruns (--link: as ip -s link)\n";

int run_netstat(Context& ctx, const std::vector<std::string>& args) {
  char what = 0;
  bool link = false;
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--link") {
      link = true;
    } else if ((a == "-s" || a == "-m" || a == "-i" || a == "--statistics" || a == "--interfaces") && !what) {
      what = a == "--statistics" ? 's' : a == "--interfaces" ? 'i' : a[1];
    } else {
      std::fprintf(stderr, "tunsockctl netstat: unexpected %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (!what) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  ipc::Request q = ipc::make_request(ipc::Op::CtlQuery, 0, 0);
  q.a = what == 's' ? ipc::kCtlCounters : what == 'm' ? ipc::kCtlMbufs : ipc::kCtlInterfaces;
  auto r = ctx.client.call(q);
  if (!r) {
    std::fprintf(stderr, "tunsockctl: %s\n", ctx.client.error().c_str());
    return 1;
  }
  if (r->hdr.error) {
    std::fprintf(stderr, "tunsockctl netstat: the daemon answered %s\n", std::strerror(r->hdr.error));
    return 1;
  }
  json j = json::parse(r->payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    std::fprintf(stderr, "tunsockctl netstat: the daemon's answer is not JSON\n");
    return 1;
  }
  std::string out = ctx.json        ? j.dump(2) + "\n"
                    : what == 's'   ? netstat_s(j)
                    : what == 'm'   ? netstat_m(j)
                    : link          ? ip_s_link(j)
                                    : netstat_i(j);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

const Command kNetstat("netstat", "counters (-s), mbufs (-m), interfaces (-i) as netstat shows them", run_netstat);

}  // namespace
}  // namespace tunsock::ctl
