// Daemon logging setup (see log.hpp). spdlog's registry keeps the per-name
// levels so that loggers created after log_init (by stack code too) obey them.
#include "daemon/log.hpp"

#include <spdlog/cfg/helpers.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace tunsock::daemon {
namespace {

std::mutex g_mu;
std::shared_ptr<spdlog::sinks::sink> g_sink;

std::shared_ptr<spdlog::sinks::sink> sink_locked() {
  if (!g_sink) g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return g_sink;
}

}  // namespace

void log_init(const std::string& spec) {
  std::lock_guard lk(g_mu);
  sink_locked();
  spdlog::set_pattern("%H:%M:%S.%f %n %l: %v");
  spdlog::set_level(spdlog::level::info);
  // load_levels sets the global level and per-logger levels, also for
  // loggers registered later. It ignores malformed entries.
  if (!spec.empty()) spdlog::cfg::helpers::load_levels(spec);
}

#ifndef TUNSOCK_LOG_COMPILED_OUT
LoggerPtr logger(const std::string& name) {
  if (auto l = spdlog::get(name)) return l;
  std::lock_guard lk(g_mu);
  if (auto l = spdlog::get(name)) return l;
  auto l = std::make_shared<spdlog::logger>(name, sink_locked());
  // initialize_logger applies the pattern and the level configured for name.
  spdlog::initialize_logger(l);
  return l;
}
#endif

}  // namespace tunsock::daemon
