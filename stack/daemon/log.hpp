// Daemon logging: one spdlog logger per subsystem ("ctl", "socket", "chan",
// "local", "diag", "main"), all to stderr, levels from TUNSOCK_LOG in
// spdlog's own syntax: "debug" or "socket=trace,warn" (socket at trace, the
// rest at warn). Loggers made later by stack code through spdlog's registry
// get the same levels.
//
// With -DTUNSOCK_LOG_COMPILED_OUT=ON, logger(name) returns a LoggerPtr to a
// NullLogger instead: trace/debug/info/warn are empty, should_log is constexpr
// false, so the call sites compile to nothing (the baseline of
// scripts/bench_log_cost.sh). error and critical still print the bare message
// to stderr: start-up failures and fatal errors must stay visible.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

namespace tunsock::daemon {

// Install the stderr sink and the levels of spec (empty: info). Idempotent.
void log_init(const std::string& spec);

#ifdef TUNSOCK_LOG_COMPILED_OUT
struct NullLogger {
  static constexpr bool should_log(spdlog::level::level_enum) { return false; }
  template <typename... A> void trace(A&&...) const {}
  template <typename... A> void debug(A&&...) const {}
  template <typename... A> void info(A&&...) const {}
  template <typename... A> void warn(A&&...) const {}
  template <typename... A> void log(spdlog::level::level_enum, A&&...) const {}
  template <typename... A> void error(spdlog::format_string_t<A...> f, A&&... a) const {
    print_error(fmt::format(f, std::forward<A>(a)...));
  }
  template <typename... A> void critical(spdlog::format_string_t<A...> f, A&&... a) const {
    print_error(fmt::format(f, std::forward<A>(a)...));
  }
  const char* name;
 private:
  void print_error(const std::string& msg) const { std::fprintf(stderr, "%s: %s\n", name, msg.c_str()); }
};
// Used like the shared_ptr of the normal build: ->, bool, copy.
class LoggerPtr {
 public:
  LoggerPtr() = default;
  explicit LoggerPtr(const char* name) : l_{name}, set_(true) {}
  const NullLogger* operator->() const { return &l_; }
  explicit operator bool() const { return set_; }
 private:
  NullLogger l_{""};
  bool set_ = false;
};
// The name must outlive the logger: call sites pass string literals.
inline LoggerPtr logger(const char* name) { return LoggerPtr(name); }
#else
using LoggerPtr = std::shared_ptr<spdlog::logger>;
// The logger of a subsystem, created on first use with the configured level.
// A registry lookup under a mutex: hot paths keep the result in a static.
LoggerPtr logger(const std::string& name);
#endif

}  // namespace tunsock::daemon
