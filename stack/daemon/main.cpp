// tunsockd: the daemon that holds the stack ("the daemon is the kernel").
// Parses options, sets up logging, runs the Asio loop until SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>

#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/log.hpp"

int main(int argc, char** argv) {
  using namespace tunsock::daemon;
  int code = 0;
  auto cfg = parse_args(argc, argv, &code);
  if (!cfg) return code;
  log_init(cfg->log_spec);
  try {
    boost::asio::io_context io;
    Daemon d(io, *cfg);
    d.handle_signals();
    if (d.start() != 0) return 1;
    io.run();
  } catch (const std::exception& e) {
    logger("main")->critical("fatal: {}", e.what());
    return 1;
  }
  return 0;
}
