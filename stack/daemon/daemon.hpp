// tunsockd's core: one Stack driven by one Asio io_context. It owns the
// control server, the per-socket channels, the stack's single timer, the
// listener sweep and the signal handling, and implements SocketUpcalls by
// scheduling channel I/O (never re-entering the stack from an upcall).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/control_server.hpp"
#include "daemon/sock_diag.hpp"
#include "kern/stack.hpp"

namespace tunsock::daemon {

class Chan;
class Dispatcher;
class InetSetup;

class Daemon final : public SocketUpcalls {
 public:
  Daemon(asio::io_context& io, Config cfg);
  ~Daemon() override;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Open the control socket and start the timers. 0 or an errno.
  int start();
  // Exit on SIGINT/SIGTERM (main; tests may call it too).
  void handle_signals();
  // Close every socket and connection, unlink the control socket. Idempotent.
  void stop();
  bool stopped() const { return stopped_; }

  asio::io_context& io() { return io_; }
  Stack& stack() { return *stack_; }
  const Config& config() const { return cfg_; }
  uint64_t instance() const { return instance_; }
  SockDiag& diag() { return diag_; }
  ControlServer& control() { return *ctl_; }
  InetSetup& inet() { return *inet_; }  // inet domain, TUN interface (inet_setup.hpp)

  // Channel registry (so_id -> channel).
  std::shared_ptr<Chan> chan(uint64_t so_id) const;
  std::shared_ptr<Chan> add_chan(Socket& so);
  void forget_chan(uint64_t so_id);
  const std::map<uint64_t, std::shared_ptr<Chan>>& chans() const { return chans_; }
  // The channel whose daemon end, or whose kernel listener, has this inode.
  std::shared_ptr<Chan> chan_by_inode(uint64_t ino) const;

  // The application closed so for good: log it, close its channel, soclose.
  void close_socket(Socket& so, const char* why);

  // Channels waiting for the application's socket to connect (connect_name):
  // take_connections() attaches those that have, before each request.
  void note_connecting(std::weak_ptr<Chan> c) { connecting_.push_back(std::move(c)); }
  void take_connections();
  // s (queued on a listener) is the stack's other end of a connection whose
  // connecting side is a stack socket the stack connected already but whose
  // application socket has not joined its channel yet (a connect over the
  // stack's own loopback, between the Connect reply and the shim's join).
  // The listener holds s back until then (waiter kicked by joined()), so
  // that accept never returns before the connecting program's fd is
  // connected, as with the kernel.
  bool awaits_join(Socket& s, std::weak_ptr<Chan> waiter);
  void joined();

  // Channels with a pump scheduled; run_pending() runs them at once.
  void note_pending(std::weak_ptr<Chan> c) { pending_.push_back(std::move(c)); }
  void run_pending();

  // Stack time: advance to now before stack work; re-arm the timer after.
  void tick();
  void settle();

  std::string stats_text() const;

  // SocketUpcalls
  void so_readable(Socket& so) override;
  void so_writable(Socket& so) override;
  void so_statechange(Socket& so) override;
  void so_freed(Socket& so) override;
  void so_dispose_rights(mbuf* control) override;

 private:
  void on_timer();
  void arm_sweep();
  void sweep();

  asio::io_context& io_;
  Config cfg_;
  uint64_t instance_ = 0;
  std::unique_ptr<Stack> stack_;
  SockDiag diag_;
  std::unique_ptr<Dispatcher> disp_;
  std::unique_ptr<ControlServer> ctl_;
  std::unique_ptr<InetSetup> inet_;  // after stack_: the device goes first
  asio::steady_timer timer_;
  asio::steady_timer sweep_timer_;
  asio::signal_set signals_;
  std::map<uint64_t, std::shared_ptr<Chan>> chans_;
  std::vector<std::weak_ptr<Chan>> pending_;
  std::vector<std::weak_ptr<Chan>> connecting_;
  std::vector<std::weak_ptr<Chan>> join_waiters_;  // listeners held back by awaits_join
  Clock::time_point epoch_;
  Time armed_ = Time::max();
  bool stopped_ = false;
  bool started_ = false;
};

// Seed material from getrandom(2).
uint64_t random_u64();

}  // namespace tunsock::daemon
