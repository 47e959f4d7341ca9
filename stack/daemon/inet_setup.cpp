// The daemon's inet side (see inet_setup.hpp): inet_attach, the TUN
// interface, addresses and routes from the command line, the host side's
// address, and packet tracing ("ip" logger at debug, optional pcap).
#include "daemon/inet_setup.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "daemon/ctl_history.hpp"
#include "daemon/daemon.hpp"
#include "daemon/fd.hpp"
#include "daemon/log.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "netinet/in.hpp"
#include "netinet6/in6.hpp"
#include "wire/ip.hpp"
#include "wire/ip6_hdr.hpp"

namespace tunsock::daemon {
namespace {

// The --pcap file's snaplen (its format is capture.hpp's).
constexpr uint32_t kSnaplen = 65535;

int ioctl_addr(int s, unsigned long req, const std::string& name, uint32_t addr) {
  ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(addr);
  std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
  return ::ioctl(s, req, &ifr) < 0 ? errno : 0;
}

}  // namespace

std::string packet_line(const mbuf* m, wire::TcpdumpTracker* t) {
  // The formatter reads the headers, and for text protocols (HTTP, SSH...)
  // the payload's first line: 512 bytes hold IPv4 and TCP with options, an
  // ICMP error's quoted header, and most request lines.
  std::byte head[512];
  const int n = std::min<int>(m->m_pkthdr.len, int(sizeof head));
  m_copydata(m, 0, n, head);
  return wire::tcpdump_line(wire::Bytes(head, size_t(n)), t);
}

int set_host_address(const std::string& name, uint32_t addr, int plen) {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return errno;
  const uint32_t mask = plen == 0 ? 0 : ~uint32_t(0) << (32 - plen);
  if (int e = ioctl_addr(s.get(), SIOCSIFADDR, name, addr)) return e;
  if (int e = ioctl_addr(s.get(), SIOCSIFNETMASK, name, mask)) return e;
  return 0;
}

namespace {

// Linux's struct in6_ifreq (linux/ipv6.h, which cannot be mixed with
// netinet/in.h): SIOCSIFADDR on an AF_INET6 socket takes it.
struct In6Ifreq {
  in6_addr ifr6_addr;
  uint32_t ifr6_prefixlen;
  int ifr6_ifindex;
};

// Best effort: a sysctl of the host's IPv6 on one device.
void write_conf6(const std::string& dev, const char* key, const char* value) {
  std::ofstream f("/proc/sys/net/ipv6/conf/" + dev + "/" + key);
  if (f) f << value;
}

}  // namespace

int set_host_address6(const std::string& name, const std::array<uint8_t, 16>& addr, int plen) {
  const unsigned idx = ::if_nametoindex(name.c_str());
  if (!idx) return errno;
  // The namespace may have IPv6 off for new links (the tests' IPv4-only
  // default); the device we were asked to address carries it. No DAD: a
  // TUN device is IFF_NOARP, the kernel skips it anyway (RFC 4862 §5.4).
  write_conf6(name, "disable_ipv6", "0");
  write_conf6(name, "accept_dad", "0");
  UniqueFd s(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return errno;
  In6Ifreq r{};
  std::memcpy(&r.ifr6_addr, addr.data(), 16);
  r.ifr6_prefixlen = uint32_t(plen);
  r.ifr6_ifindex = int(idx);
  return ::ioctl(s.get(), SIOCSIFADDR, &r) < 0 ? errno : 0;
}

InetSetup::InetSetup(Daemon& d)
    : d_(d), captures_(std::make_unique<Captures>(d, [this] { update_trace(); })) {}

InetSetup::~InetSetup() { stop(); }

int InetSetup::start() {
  Stack& st = d_.stack();
  if (!d_.config().inet.enabled) {
    logger("main")->info("inet: not served (--domains): programs under the shim keep the kernel's");
    return 0;
  }
  inet_attach(st);  // the inet domain and lo (127.0.0.1/8)
  // inet6 and ::1 on lo, with or without an IPv6 address on the TUN device:
  // a program's AF_INET6 sockets are the stack's (dual-stack ones reach
  // IPv4 through v4-mapped addresses), never the host kernel's.
  if (d_.config().inet.inet6) inet6_attach(st);
  history_log_attach(st);  // TUNSOCK_LOG=tcp=debug: each connection's events as they happen
  // Who may make ping sockets: the host's rule, so that ping chooses the
  // same kind of socket under the shim as on the kernel.
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ping_group_range", "re")) {
    unsigned long lo = 0, hi = 0;
    if (std::fscanf(f, "%lu %lu", &lo, &hi) == 2) {
      inet_set_ping_group_range(st, uint32_t(lo), uint32_t(hi));
      logger("main")->debug("inet: ping sockets for groups {}..{} (net.ipv4.ping_group_range)", lo, hi);
    }
    std::fclose(f);
  }
  // SO_TIMESTAMP is wall time: stack time (steady) plus this offset.
  d_.tick();
  inet_set_wall_offset(st, std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch()) -
                               st.now());
  const InetConfig& c = d_.config().inet;
  if (!c.pcap.empty()) {
    pcap_ = std::fopen(c.pcap.c_str(), "wbe");
    if (!pcap_) {
      const int e = errno;
      logger("main")->error("--pcap {}: {}", c.pcap, std::strerror(e));
      return e;
    }
    const std::string h = pcap_file_header(kSnaplen);
    std::fwrite(h.data(), 1, h.size(), pcap_);
    std::fflush(pcap_);
  }
  update_trace();
  if (c.tun.empty()) {
    logger("main")->info("inet: loopback only (no --tun)");
    return 0;
  }
  return start_tun();
}

int InetSetup::start_tun() {
  const InetConfig& c = d_.config().inet;
  Stack& st = d_.stack();
  tun_ = std::make_unique<TunDevice>(d_.io());
  std::string err;
  if (int e = tun_->open(c.tun, c.mtu, &err)) {
    logger("main")->error("{}", err);
    tun_.reset();
    return e;
  }
  if (c.host_addr) {
    if (int e = set_host_address(tun_->name(), c.host_addr, c.host_plen)) {
      logger("main")->error("--host-address {}/{} on {}: {}", wire::ip4_str(c.host_addr), c.host_plen, tun_->name(),
                            std::strerror(e));
      return e;
    }
  }
  TunDevice* dev = tun_.get();
  ifp_ = &if_attach(st, tun_->name(), tun_->mtu(), IFF_POINTOPOINT,
                    [dev](ifnet&, mbuf* m) { return dev->transmit(m); });
  if (c.addr) {
    if (int e = in_add_address(*ifp_, c.addr, c.plen)) {
      logger("main")->error("--address {}/{}: {}", wire::ip4_str(c.addr), c.plen, std::strerror(e));
      return e;
    }
  }
  if (c.plen6) {
    if (int e = start_inet6()) return e;
  }
  if (c.host_plen6) {
    if (int e = set_host_address6(tun_->name(), c.host_addr6, c.host_plen6)) {
      logger("main")->error("--host-address {}/{} on {}: {}", wire::ip6_str(c.host_addr6), c.host_plen6, tun_->name(),
                            std::strerror(e));
      return e;
    }
  }
  if (c.gateway) {
    if (int e = route_set_default(st, c.gateway)) {
      logger("main")->error("--gateway {}: {}", wire::ip4_str(c.gateway), std::strerror(e));
      return e;
    }
  }
  // Received packets run the stack: advance its clock first, re-arm its
  // timer after (channel pumps are posted by the upcalls).
  tun_->start(*ifp_, {[this] { d_.tick(); }, [this] { d_.settle(); }});
  if (c.addr)
    logger("main")->info("inet: {} {}/{}{}{}, mtu {}", tun_->name(), wire::ip4_str(c.addr), c.plen,
                         c.gateway ? ", default via " : "", c.gateway ? wire::ip4_str(c.gateway) : "", tun_->mtu());
  return 0;
}

// inet6 on the TUN interface: the --address, its link-local twin (fe80::/64
// with the same interface identifier, RFC 4291 §2.5.6; a TUN device has no
// link-layer address to derive one from, RFC 4862 §5.3), and the default
// route. No neighbour discovery or DAD on a point-to-point TUN link
// (in6.hpp): the addresses are usable at once.
int InetSetup::start_inet6() {
  const InetConfig& c = d_.config().inet;
  Stack& st = d_.stack();
  inet6_attach(st);
  const In6Addr a = c.addr6;
  if (int e = in6_add_address(*ifp_, a, c.plen6)) {
    logger("main")->error("--address {}/{}: {}", wire::ip6_str(a), c.plen6, std::strerror(e));
    return e;
  }
  In6Addr ll{};
  ll[0] = 0xfe;
  ll[1] = 0x80;
  std::copy(a.begin() + 8, a.end(), ll.begin() + 8);
  if (std::all_of(ll.begin() + 8, ll.end(), [](uint8_t x) { return x == 0; })) ll[15] = 1;  // a /64's ::
  if (int e = in6_add_address(*ifp_, ll, 64)) {
    logger("main")->error("link-local {}/64 on {}: {}", wire::ip6_str(ll), ifp_->if_name, std::strerror(e));
    return e;
  }
  if (c.has_gateway6) {
    if (int e = route6_set_default(st, c.gateway6)) {
      logger("main")->error("--gateway {}: {}", wire::ip6_str(c.gateway6), std::strerror(e));
      return e;
    }
  }
  if (ifp_->if_mtu < 1280)
    logger("main")->warn("inet6: {} mtu {} is below IPv6's minimum 1280 (RFC 8200 §5)", ifp_->if_name, ifp_->if_mtu);
  logger("main")->info("inet6: {} {}/{} and {}/64{}{}, mtu {}", ifp_->if_name, wire::ip6_str(a), c.plen6,
                       wire::ip6_str(ll), c.has_gateway6 ? ", default via " : "",
                       c.has_gateway6 ? wire::ip6_str(c.gateway6) : "", ifp_->if_mtu);
  return 0;
}

// Trace only when someone looks: the hook costs a call per packet.
void InetSetup::update_trace() {
  Stack& st = d_.stack();
  if (!inet_of(st)) return;
  if (pcap_ || captures_->active() || logger("ip")->should_log(spdlog::level::debug))
    inet_set_packet_trace(st, [this](const ifnet& ifp, char dir, const mbuf* m) { trace(ifp, dir, m); });
  else
    inet_set_packet_trace(st, nullptr);
}

void InetSetup::stop() {
  captures_->stop();
  if (ifp_ && tun_ && tun_->is_open()) {
    // Tests read the final counters from the log (e.g. the bad-packet drops).
    const IfData& d = ifp_->if_data;
    logger("tun")->info("{} counters: rx_packets={} rx_bytes={} rx_errors={} rx_dropped={} tx_packets={} "
                        "tx_bytes={} tx_errors={} tx_dropped={}",
                        ifp_->if_name, d.rx_packets, d.rx_bytes, d.rx_errors, d.rx_dropped, d.tx_packets, d.tx_bytes,
                        d.tx_errors, d.tx_dropped);
    logger("tun")->debug("{}", stats_text());
  }
  if (tun_) tun_->close();
  if (ifp_) ifp_->if_transmit = nullptr;  // the stack may outlive the device
  // ... and this tracer: TCP still sends (RSTs of the connections the
  // stack aborts as it goes) after the daemon's parts are gone.
  if (inet_of(d_.stack())) inet_set_packet_trace(d_.stack(), nullptr);
  if (pcap_) {
    std::fclose(pcap_);
    pcap_ = nullptr;
  }
}

void InetSetup::trace(const ifnet& ifp, char dir, const mbuf* m) {
  static auto ip = logger("ip");
  if (ip->should_log(spdlog::level::debug))
    ip->debug("{} {} {}", ifp.if_name, dir == 'I' ? "In " : "Out", packet_line(m, &tcpdump_));
  if (pcap_) pcap_write(m);
  if (captures_->active()) captures_->tap(ifp, dir, m);
}

void InetSetup::pcap_write(const mbuf* m) {
  timeval tv;
  ::gettimeofday(&tv, nullptr);
  std::string rec;
  pcap_append_record(rec, m, kSnaplen, tv);
  std::fwrite(rec.data(), 1, rec.size(), pcap_);
  std::fflush(pcap_);
}

std::string InetSetup::stats_text() const {
  Stack& st = d_.stack();
  std::string s;
  if (ifnet* lo = if_loopback(st)) s += if_stats_text(*lo);
  if (ifp_) s += if_stats_text(*ifp_);
  if (tun_) s += tun_->stats_text();
  s += inet_stats_text(st);
  if (inet6_of(st)) s += inet6_stats_text(st);
  return s;
}

}  // namespace tunsock::daemon
