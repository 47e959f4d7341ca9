// Daemon logging: one spdlog logger per subsystem ("ctl", "socket", "chan",
// "local", "diag", "main"), all to stderr, levels from TUNSOCK_LOG in
// spdlog's own syntax: "debug" or "socket=trace,warn" (socket at trace, the
// rest at warn). Loggers made later by stack code through spdlog's registry
// get the same levels.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace tunsock::daemon {

// Install the stderr sink and the levels of spec (empty: info). Idempotent.
void log_init(const std::string& spec);
// The logger of a subsystem, created on first use with the configured level.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

}  // namespace tunsock::daemon
