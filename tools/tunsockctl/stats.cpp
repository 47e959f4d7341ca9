// tunsockctl stats: the daemon's own summary (mbufs and the socket table),
// as the Stats request returns it.
#include <cstdio>
#include <cstring>

#include "command.hpp"
#include "ctl_client.hpp"

namespace tunsock::ctl {
namespace {

int run_stats(Context& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "tunsockctl stats: takes no arguments\n");
    return 2;
  }
  auto r = ctx.client.call(ipc::make_request(ipc::Op::Stats, 0, 0));
  if (!r) {
    std::fprintf(stderr, "tunsockctl: %s\n", ctx.client.error().c_str());
    return 1;
  }
  if (r->hdr.error) {
    std::fprintf(stderr, "tunsockctl stats: %s\n", std::strerror(r->hdr.error));
    return 1;
  }
  std::fwrite(r->payload.data(), 1, r->payload.size(), stdout);
  return 0;
}

const Command kStats("stats", "the daemon's summary: mbufs and the socket table", run_stats);

}  // namespace
}  // namespace tunsock::ctl
