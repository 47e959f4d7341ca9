// Command-line and environment parsing for tunsockd.
#include "daemon/config.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tunsock::daemon {
namespace {

const char kUsage[] =
    "usage: tunsockd [--socket PATH] [--domains LIST] [--foreground] [--help]\n"
    "                [--tun NAME --address ADDR/P... [--gateway ADDR...] [--mtu N]\n"
    "                 [--host-address ADDR/P...] [--pcap FILE]]\n"
    "  --socket PATH   control socket (default: $TUNSOCK_SOCKET, else\n"
    "                  $XDG_RUNTIME_DIR/tunsockd.sock, else /tmp/tunsockd-<uid>.sock)\n"
    "  --domains LIST  domains to serve: unix (always), inet and inet6 (inet6 needs\n"
    "                  inet); default unix,inet,inet6. Programs under the shim send\n"
    "                  exactly these to the daemon (their TUNSOCK_DOMAINS may narrow\n"
    "                  the set, never widen it)\n"
    "  --foreground    stay in the foreground (the default)\n"
    "  --help          this text\n"
    "network (without --tun: the local domain, inet on loopback 127.0.0.1/8 and\n"
    "  inet6 on ::1 only):\n"
    "  --tun NAME      TUN device: created when tunsockd has CAP_NET_ADMIN, else a\n"
    "                  persistent one made with `ip tuntap add NAME mode tun user $USER`\n"
    "  --address A/P   the stack's own address and prefix on it, e.g. 198.18.0.2/24\n"
    "                  or 2001:db8::2/64; repeat for one of each family (IPv6 also\n"
    "                  gets a link-local fe80::/64 address with the same interface id)\n"
    "  --gateway G     default route via G, e.g. 198.18.0.1 (on the IPv4 --address\n"
    "                  subnet) or fe80::1 / 2001:db8::1 (link-local or on the IPv6\n"
    "                  prefix); once per family\n"
    "  --mtu N         device MTU (68..65535; default: keep the device's)\n"
    "  --host-address A/P  also give the kernel's side of the device this address,\n"
    "                  e.g. 198.18.0.1/24 or 2001:db8::1/64; once per family (needs\n"
    "                  CAP_NET_ADMIN; scripts/netns.sh does it otherwise)\n"
    "  --pcap FILE     write every packet in and out to FILE (pcap, raw IP: IPv4\n"
    "                  and IPv6)\n"
    "protocols: TCP, UDP, UDP-Lite, ping sockets and raw ICMP/ICMPv6 over IPv4 and\n"
    "  IPv6 (dual-stack: an AF_INET6 socket reaches IPv4 through ::ffff:a.b.c.d)\n"
    "  run in the stack; no inet or inet6 socket is handed to the host kernel\n"
    "environment: TUNSOCK_LOG=level or name=level,...  e.g. debug, socket=trace,warn\n"
    "             loggers: main ctl socket chan diag local tun ip (ip=debug: every\n"
    "             packet in tcpdump's one-line format)\n";

// "198.18.0.2/24" (prefix required) or "198.18.0.1" (want_prefix false).
bool parse_addr(const std::string& s, bool want_prefix, uint32_t* addr, int* plen) {
  std::string a = s;
  const auto slash = s.find('/');
  if (want_prefix) {
    if (slash == std::string::npos) return false;
    a = s.substr(0, slash);
    const std::string p = s.substr(slash + 1);
    if (p.empty() || p.size() > 2 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    *plen = std::atoi(p.c_str());
    if (*plen < 1 || *plen > 32) return false;
  } else if (slash != std::string::npos) {
    return false;
  }
  in_addr in{};
  if (::inet_pton(AF_INET, a.c_str(), &in) != 1) return false;
  *addr = ntohl(in.s_addr);
  return true;
}

bool is_ip6(const std::string& s) { return s.find(':') != std::string::npos; }

// "2001:db8::2/64" (prefix 1..128 required) or "fe80::1" (want_prefix false).
// nullptr when fine, else why not.
const char* parse_addr6(const std::string& s, bool want_prefix, std::array<uint8_t, 16>* addr, int* plen) {
  std::string a = s;
  const auto slash = s.find('/');
  if (want_prefix) {
    if (slash == std::string::npos) return "bad IPv6 --address (want ADDR/P, e.g. 2001:db8::2/64)";
    a = s.substr(0, slash);
    const std::string p = s.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
      return "bad IPv6 --address prefix length (want 1..128)";
    *plen = std::atoi(p.c_str());
    if (*plen < 1 || *plen > 128) return "bad IPv6 --address prefix length (want 1..128)";
  } else if (slash != std::string::npos) {
    return "bad IPv6 --gateway (an address, no prefix length)";
  }
  in6_addr in{};
  if (::inet_pton(AF_INET6, a.c_str(), &in) != 1)
    return want_prefix ? "bad IPv6 --address (want ADDR/P, e.g. 2001:db8::2/64)" : "bad IPv6 --gateway";
  std::memcpy(addr->data(), &in, 16);
  const auto& b = *addr;
  const bool zero = std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
  if (b[0] == 0xff) return want_prefix ? "IPv6 --address must not be multicast" : "IPv6 --gateway must not be multicast";
  if (zero) return want_prefix ? "IPv6 --address must not be ::" : "IPv6 --gateway must not be ::";
  if (b[0] == 0 && b[1] == 0 && b[10] == 0xff && b[11] == 0xff &&
      std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; }))
    return want_prefix ? "IPv6 --address must not be v4-mapped" : "IPv6 --gateway must not be v4-mapped";
  if (want_prefix && b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    return "IPv6 --address must be global (the link-local one is derived from it)";
  return nullptr;
}

bool prefix6_match(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int plen) {
  for (int i = 0; i < plen; ++i) {
    const int bit = 7 - i % 8;
    if (((a[i / 8] >> bit) & 1) != ((b[i / 8] >> bit) & 1)) return false;
  }
  return true;
}

// "unix,inet,inet6", "unix,inet" or "unix": the local domain is always
// served (the shim's own AF_UNIX sockets need it); inet and inet6 may be left
// out, and inet6 needs inet (its transports share inet's PCB lists).
// nullptr when fine, else why not.
const char* parse_domains(const std::string& s, bool* inet, bool* inet6) {
  *inet = false;
  *inet6 = false;
  size_t pos = 0;
  for (;;) {
    const size_t comma = s.find(',', pos);
    const std::string w = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (w == "inet") *inet = true;
    else if (w == "inet6") *inet6 = true;
    else if (w != "unix" && w != "local") return "bad --domains (want unix, unix,inet or unix,inet,inet6)";
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return *inet6 && !*inet ? "--domains: inet6 needs inet" : nullptr;
}

// Cross-option checks once everything is parsed. nullptr when fine.
const char* check_inet(const InetConfig& n) {
  const bool any = n.addr || n.gateway || n.mtu || n.host_addr || n.plen6 || n.has_gateway6 || n.host_plen6;
  if (!n.enabled && (any || !n.tun.empty() || !n.pcap.empty())) return "--tun and its options need --domains with inet";
  if (n.tun.empty()) return any ? "--address, --gateway, --mtu and --host-address need --tun" : nullptr;
  if (!n.addr && !n.plen6) return "--tun needs --address A.B.C.D/P or an IPv6 ADDR/P (or both)";
  if (n.mtu && (n.mtu < 68 || n.mtu > 65535)) return "--mtu must be 68..65535";
  // RFC 8200 §5: every link that carries IPv6 has an MTU of 1280 or more.
  if (n.mtu && n.plen6 && n.mtu < 1280) return "--mtu must be at least 1280 with an IPv6 --address (RFC 8200 §5)";
  if (n.plen6 && !n.inet6) return "an IPv6 --address needs --domains with inet6";
  if (n.gateway && !n.addr) return "an IPv4 --gateway needs an IPv4 --address";
  const uint32_t mask = n.plen == 32 ? ~0u : ~(~0u >> n.plen);
  if (n.gateway && (n.gateway & mask) != (n.addr & mask)) return "--gateway must be on the --address subnet";
  if (n.has_gateway6) {
    if (!n.plen6) return "an IPv6 --gateway needs an IPv6 --address";
    const bool ll = n.gateway6[0] == 0xfe && (n.gateway6[1] & 0xc0) == 0x80;
    if (!ll && !prefix6_match(n.gateway6, n.addr6, n.plen6))
      return "an IPv6 --gateway must be link-local (fe80::/10) or on the IPv6 --address prefix";
    if (n.gateway6 == n.addr6) return "an IPv6 --gateway must differ from the --address";
  }
  if (n.host_addr && n.host_addr == n.addr) return "--host-address must differ from --address";
  if (n.host_plen6 && !n.plen6) return "an IPv6 --host-address needs an IPv6 --address";
  if (n.host_plen6 && n.host_addr6 == n.addr6) return "--host-address must differ from --address";
  return nullptr;
}

}  // namespace

std::string default_socket_path() {
  if (const char* s = std::getenv("TUNSOCK_SOCKET"); s && *s) return s;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) return std::string(x) + "/tunsockd.sock";
  return "/tmp/tunsockd-" + std::to_string(getuid()) + ".sock";
}

std::optional<Config> parse_args(int argc, char** argv, int* exit_code) {
  Config c;
  c.owner_uid = geteuid();
  auto usage_error = [&](const char* why) -> std::optional<Config> {
    std::fprintf(stderr, "tunsockd: %s\n%s", why, kUsage);
    *exit_code = 2;
    return std::nullopt;
  };
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
    } else if (auto v = value("--domains")) {
      if (const char* why = parse_domains(*v, &c.inet.enabled, &c.inet.inet6)) return usage_error(why);
    } else if (auto v = value("--tun")) {
      c.inet.tun = *v;
    } else if (auto v = value("--address")) {
      if (is_ip6(*v)) {
        if (c.inet.plen6) return usage_error("--address: one IPv6 address only");
        if (const char* why = parse_addr6(*v, true, &c.inet.addr6, &c.inet.plen6)) return usage_error(why);
      } else {
        if (c.inet.addr) return usage_error("--address: one IPv4 address only");
        if (!parse_addr(*v, true, &c.inet.addr, &c.inet.plen))
          return usage_error("bad --address (want A.B.C.D/P or an IPv6 ADDR/P)");
      }
    } else if (auto v = value("--gateway")) {
      if (is_ip6(*v)) {
        if (c.inet.has_gateway6) return usage_error("--gateway: one IPv6 gateway only");
        int unused = 0;
        if (const char* why = parse_addr6(*v, false, &c.inet.gateway6, &unused)) return usage_error(why);
        c.inet.has_gateway6 = true;
      } else {
        if (c.inet.gateway) return usage_error("--gateway: one IPv4 gateway only");
        int unused = 0;
        if (!parse_addr(*v, false, &c.inet.gateway, &unused))
          return usage_error("bad --gateway (want A.B.C.D or an IPv6 address)");
      }
    } else if (auto v = value("--mtu")) {
      c.inet.mtu = uint32_t(std::strtoul(v->c_str(), nullptr, 10));
      if (c.inet.mtu == 0) return usage_error("bad --mtu");
    } else if (auto v = value("--host-address")) {
      if (is_ip6(*v)) {
        if (c.inet.host_plen6) return usage_error("--host-address: one IPv6 address only");
        if (const char* why = parse_addr6(*v, true, &c.inet.host_addr6, &c.inet.host_plen6)) {
          // parse_addr6 names --address; the option here is --host-address.
          std::string w = why;
          if (auto at = w.find("--address"); at != std::string::npos) w.replace(at, 9, "--host-address");
          return usage_error(w.c_str());
        }
      } else {
        if (c.inet.host_addr) return usage_error("--host-address: one IPv4 address only");
        if (!parse_addr(*v, true, &c.inet.host_addr, &c.inet.host_plen))
          return usage_error("bad --host-address (want A.B.C.D/P or an IPv6 ADDR/P)");
      }
    } else if (auto v = value("--pcap")) {
      c.inet.pcap = *v;
    } else {
      std::fprintf(stderr, "tunsockd: bad argument '%s'\n%s", a.c_str(), kUsage);
      *exit_code = 2;
      return std::nullopt;
    }
  }
  if (const char* why = check_inet(c.inet)) return usage_error(why);
  if (c.socket_path.empty()) c.socket_path = default_socket_path();
  if (c.socket_path.size() >= 108) {
    std::fprintf(stderr, "tunsockd: socket path too long: %s\n", c.socket_path.c_str());
    *exit_code = 2;
    return std::nullopt;
  }
  return c;
}

}  // namespace tunsock::daemon
