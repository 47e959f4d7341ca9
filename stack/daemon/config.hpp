// Daemon configuration: command-line options and the environment.
// Later issues add the interfaces (--tun, --address): they go in ifaces.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace tunsock::daemon {

// One network interface to attach (the ifnet seam; not implemented yet).
struct IfaceConfig {
  std::string kind;     // "tun"
  std::string name;     // device name
  std::string address;  // e.g. 10.77.0.2/24
};

struct Config {
  std::string socket_path;       // control socket
  std::string log_spec;          // TUNSOCK_LOG
  bool foreground = true;
  uid_t owner_uid = 0;           // peers must have this uid or be root
  std::vector<IfaceConfig> ifaces;
};

// The control socket path as PROTOCOL.md fixes it: TUNSOCK_SOCKET, else
// $XDG_RUNTIME_DIR/tunsockd.sock, else /tmp/tunsockd-<uid>.sock.
std::string default_socket_path();

// Parse argv. On --help or an error, returns nullopt and sets exit_code
// (0 for --help, 2 for a usage error) after printing to stdout/stderr.
std::optional<Config> parse_args(int argc, char** argv, int* exit_code);

}  // namespace tunsock::daemon
