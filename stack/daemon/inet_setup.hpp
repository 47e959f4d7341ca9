// The daemon's inet side: gives the Stack its inet domain (loopback always),
// and with --tun a TUN interface with its address, default route, the
// host-side address, the "ip" packet trace and the optional pcap file.
// FreeBSD: what ifconfig/route do at boot (in_control, rtrequest) plus the
// bpf tap, done once at start-up.
#pragma once

#include <cstdio>
#include <array>
#include <memory>
#include <string>

#include "daemon/capture.hpp"
#include "daemon/config.hpp"
#include "daemon/tun_device.hpp"
#include "wire/tcpdump.hpp"

namespace tunsock {
class Stack;
struct ifnet;
struct mbuf;
}  // namespace tunsock

namespace tunsock::daemon {

class Daemon;

class InetSetup {
 public:
  explicit InetSetup(Daemon& d);
  ~InetSetup();
  InetSetup(const InetSetup&) = delete;
  InetSetup& operator=(const InetSetup&) = delete;

  // Attach the inet domain; open and configure the TUN device when the
  // config names one. 0 or an errno (logged).
  int start();
  void stop();

  TunDevice* tun() { return tun_.get(); }
  Captures& captures() { return *captures_; }  // live captures (capture.hpp)
  ifnet* tun_ifnet() { return ifp_; }
  // `ip -s link` for every interface, the TUN driver's counters, netstat -s.
  std::string stats_text() const;

 private:
  int start_tun();
  int start_inet6();  // --address with an IPv6 prefix
  void trace(const ifnet& ifp, char dir, const mbuf* m);
  void pcap_write(const mbuf* m);
  // Install the packet hook while someone looks (trace, --pcap, a capture).
  void update_trace();

  Daemon& d_;
  std::unique_ptr<TunDevice> tun_;
  ifnet* ifp_ = nullptr;
  std::FILE* pcap_ = nullptr;
  wire::TcpdumpTracker tcpdump_;  // the "ip" trace's relative TCP numbers
  std::unique_ptr<Captures> captures_;
};

// Give the kernel's side of TUN device `name` the address addr/plen (host
// order). Needs CAP_NET_ADMIN in the device's network namespace. 0 or errno.
int set_host_address(const std::string& name, uint32_t addr, int plen);
// The same for IPv6 (addr in network order): IPv6 turned on for the device
// (disable_ipv6=0, accept_dad=0), then addr/plen on it.
int set_host_address6(const std::string& name, const std::array<uint8_t, 16>& addr, int plen);

// A packet in tcpdump's one-line format (wire::tcpdump_line over its head);
// with a tracker, TCP numbers relative to each conversation as tcpdump -n.
std::string packet_line(const mbuf* m, wire::TcpdumpTracker* t = nullptr);

}  // namespace tunsock::daemon
