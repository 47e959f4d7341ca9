// Daemon configuration: command-line options and the environment.
// The inet side (--tun, --address, ...) is InetConfig; without it the daemon
// serves the local domain, inet and inet6 over loopback only.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tunsock::daemon {

// The TUN interface and its addressing. Addresses in host byte order, as
// the stack keeps them (stack/net/if.hpp).
struct InetConfig {
  bool enabled = true;          // --domains without inet: the local domain only
  bool inet6 = true;            // --domains without inet6: AF_INET6 stays the kernel's
  std::string tun;              // --tun NAME; empty: no TUN interface
  uint32_t addr = 0;            // --address A/P: the stack's address
  int plen = 0;
  uint32_t gateway = 0;         // --gateway G: default route (0: none)
  // IPv6 (--address and --gateway take either family, once per family).
  // Network order, as In6Addr (stack/net/if.hpp). plen6 0: no IPv6 address.
  std::array<uint8_t, 16> addr6{};
  int plen6 = 0;
  std::array<uint8_t, 16> gateway6{};  // all zero: no default route
  bool has_gateway6 = false;
  uint32_t mtu = 0;             // --mtu N (0: the device's)
  uint32_t host_addr = 0;       // --host-address H/P: set on the host side
  int host_plen = 0;
  std::array<uint8_t, 16> host_addr6{};  // --host-address with an IPv6 prefix
  int host_plen6 = 0;                    // 0: none
  std::string pcap;             // --pcap FILE: every packet, LINKTYPE_RAW
};

struct Config {
  std::string socket_path;       // control socket
  std::string log_spec;          // TUNSOCK_LOG
  bool foreground = true;
  uid_t owner_uid = 0;           // peers must have this uid or be root
  InetConfig inet;
};

// The control socket path as PROTOCOL.md fixes it: TUNSOCK_SOCKET, else
// $XDG_RUNTIME_DIR/tunsockd.sock, else /tmp/tunsockd-<uid>.sock.
std::string default_socket_path();

// Parse argv. On --help or an error, returns nullopt and sets exit_code
// (0 for --help, 2 for a usage error) after printing to stdout/stderr.
std::optional<Config> parse_args(int argc, char** argv, int* exit_code);

}  // namespace tunsock::daemon
