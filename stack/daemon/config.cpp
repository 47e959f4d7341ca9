// Command-line and environment parsing for tunsockd.
#include "daemon/config.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tunsock::daemon {
namespace {

const char kUsage[] =
    "usage: tunsockd [--socket PATH] [--foreground] [--help]\n"
    "  --socket PATH   control socket (default: $TUNSOCK_SOCKET, else\n"
    "                  $XDG_RUNTIME_DIR/tunsockd.sock, else /tmp/tunsockd-<uid>.sock)\n"
    "  --foreground    stay in the foreground (the default)\n"
    "  --help          this text\n"
    "environment: TUNSOCK_LOG=level or name=level,...  e.g. debug, socket=trace,warn\n"
    "             loggers: main ctl socket chan diag local\n";

}  // namespace

std::string default_socket_path() {
  if (const char* s = std::getenv("TUNSOCK_SOCKET"); s && *s) return s;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) return std::string(x) + "/tunsockd.sock";
  return "/tmp/tunsockd-" + std::to_string(getuid()) + ".sock";
}

std::optional<Config> parse_args(int argc, char** argv, int* exit_code) {
  Config c;
  c.owner_uid = geteuid();
  if (const char* l = std::getenv("TUNSOCK_LOG")) c.log_spec = l;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* opt) -> std::optional<std::string> {
      const size_t n = std::strlen(opt);
      if (a.size() > n && a.compare(0, n, opt) == 0 && a[n] == '=') return a.substr(n + 1);
      if (a == opt && i + 1 < argc) return std::string(argv[++i]);
      return std::nullopt;
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      *exit_code = 0;
      return std::nullopt;
    } else if (a == "--foreground" || a == "-f") {
      c.foreground = true;
    } else if (auto v = value("--socket")) {
      c.socket_path = *v;
    } else {
      std::fprintf(stderr, "tunsockd: bad argument '%s'\n%s", a.c_str(), kUsage);
      *exit_code = 2;
      return std::nullopt;
    }
  }
  if (c.socket_path.empty()) c.socket_path = default_socket_path();
  if (c.socket_path.size() >= 108) {
    std::fprintf(stderr, "tunsockd: socket path too long: %s\n", c.socket_path.c_str());
    *exit_code = 2;
    return std::nullopt;
  }
  return c;
}

}  // namespace tunsock::daemon
