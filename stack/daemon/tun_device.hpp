// The TUN device driver: one IPv4-only TUN interface (IFF_TUN|IFF_NO_PI)
// read and written through Asio, packets moved as mbuf chains without an
// extra copy (readv into clusters, writev over the chain). FreeBSD: the
// if_tuntap.c driver's read/write side; Linux: drivers/net/tun.c is the peer.
// Opening creates the device when we may (CAP_NET_ADMIN) or attaches to a
// persistent one made with `ip tuntap add NAME mode tun user U`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kern/mbuf.hpp"

namespace tunsock {
struct ifnet;
}

namespace tunsock::daemon {

namespace asio = boost::asio;

// Per-driver counters beyond the ifnet's `ip -s link` ones.
struct TunStats {
  uint64_t wakeups = 0;         // read-readiness callbacks
  uint64_t max_batch = 0;       // most packets read in one wake-up
  uint64_t rx_nobufs = 0;       // packets dropped: no mbufs for the read
  uint64_t rx_oversize = 0;     // packets longer than the MTU we read for
  uint64_t rx_empty = 0;        // zero-length reads
  uint64_t tx_errors = 0;       // writev failures other than a full queue
  uint64_t tx_eagain = 0;
  uint64_t tx_short = 0;        // writev wrote less than the packet
};

class TunDevice {
 public:
  // Called once per wake-up before the first packet goes to the stack
  // (advance stack time) and after the batch (re-arm timers, flush channels).
  struct Hooks {
    std::function<void()> before_batch;
    std::function<void()> after_batch;
  };

  explicit TunDevice(asio::io_context& io);
  ~TunDevice();
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;

  // Open /dev/net/tun and attach to NAME (created when we may). mtu 0 keeps
  // the device's MTU. Sets TUNSETOFFLOAD 0 always (a persistent device keeps
  // its previous owner's offloads). When the device is not persistent (we
  // created it), also sets the MTU, a longer txqueuelen and brings it up.
  // Returns 0 or an errno, with a message for the operator in *err.
  int open(const std::string& name, uint32_t mtu, std::string* err);

  // Bind to the stack's interface (ifp.if_transmit must call transmit()) and
  // start reading. ifp must outlive the device (it lives in the Stack).
  void start(ifnet& ifp, Hooks hooks);
  void close();

  // Write one IPv4 packet (the chain, gathered). Always consumes m.
  // 0, or ENOBUFS (queue full / short write) or the write's errno.
  int transmit(mbuf* m);

  // Take in now what the kernel has queued on the device (one batch), so
  // that a state a program asks about has seen every packet sent before
  // its question (Linux processes them before its syscall returns).
  void poll_now();

  const std::string& name() const { return name_; }
  uint32_t mtu() const { return mtu_; }
  bool created() const { return created_; }  // we made it (not persistent)
  bool is_open() const { return sd_ != nullptr; }
  const TunStats& stats() const { return stats_; }
  std::string stats_text() const;

  // Batch size: packets read per wake-up before yielding to other work.
  static constexpr int kBatch = 64;

 private:
  void arm_read();
  void on_readable();
  // One read into a fresh chain. >0 packets delivered, 0 nothing left
  // (EAGAIN), -1 on a hard error.
  int read_one();
  bool fill_spare();
  int room() const;  // bytes the spare clusters can take

  asio::io_context& io_;
  std::unique_ptr<asio::posix::stream_descriptor> sd_;
  std::string name_;
  uint32_t mtu_ = 1500;
  bool created_ = false;
  ifnet* ifp_ = nullptr;
  Hooks hooks_;
  // Clusters kept between reads: a read scatters into them and the used
  // prefix becomes the packet (the rest stays for the next read).
  mbuf* spare_[33] = {};
  int nspare_ = 0;
  TunStats stats_;
  std::shared_ptr<int> alive_;  // expires on close: guards posted work
};

}  // namespace tunsock::daemon
