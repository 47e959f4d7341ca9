// The channel of one stack socket: the daemon's end of the AF_UNIX socket
// whose other end is the application's fd (PROTOCOL.md "Channels"). Moves
// bytes between it and the socket's sockbufs without flattening copies:
// channel -> mbuf clusters -> sosend; so_rcv's mbuf chain -> sendmsg iovecs.
// A listening socket has no channel; it delivers new connections to the
// kernel listener the application holds (listener.cpp).
#pragma once

#include <sys/uio.h>
#include <sys/un.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "daemon/app_fd.hpp"
#include "kern/socket.hpp"

namespace tunsock::daemon {

namespace asio = boost::asio;
class Daemon;

enum class ChanKind : uint8_t { Stream, Seqpacket, Dgram };

// What the application's fd is for this socket (PROTOCOL.md "The channel's
// states"). Every socket kind goes through these; datagram sockets are born
// Connected (their channel exists from the start).
//   Unconnected  the app holds an unconnected kernel socket bound to the
//                channel name (app_ino_); no channel. Also after a failed
//                connect: the app's socket then shows the error.
//   Connecting   the stack connects; the app's socket is (or is about to
//                be) an embryo on the connect listener (connl_), not yet
//                accepted, kept unwritable by the shim's filler.
//   Connected    the channel is attached (sd_): data flows.
//   Listening    the app's fd is a kernel listener (listener_ino_).
//   Closed       the application closed the socket for good (soclose done).
enum class ChanState : uint8_t { Unconnected, Connecting, Connected, Listening, Closed };
const char* chan_state_name(ChanState s);
ChanKind chan_kind(int so_type);
int chan_socktype(ChanKind k);  // the kernel socket type carrying it

class Chan : public std::enable_shared_from_this<Chan> {
 public:
  Chan(Daemon& d, Socket& so);
  ~Chan();
  Chan(const Chan&) = delete;
  Chan& operator=(const Chan&) = delete;

  uint64_t id() const { return id_; }
  Socket* so() const { return so_; }
  ChanKind kind() const { return kind_; }
  uint64_t inode() const { return ino_; }
  ChanState state() const { return state_; }

  // Make a socketpair for a new socket, keep one end, return the other (the
  // application's, blocking, close-on-exec) or -errno.
  int open_pair();
  // Stream/seqpacket socket(): the application's fd is a kernel socket of
  // the type, unconnected, bound to the channel name, so that everything
  // an unconnected socket does (ENOTCONN, EINVAL, poll) is the kernel's
  // own. Returns it, or -errno. The channel comes with connect
  // (open_connect_listener) or the socket becomes a listener in place.
  // named false: unbound (the name is still held, e.g. by the listener it
  // replaces; the shim binds it once that is gone).
  int open_unconnected(bool named = true);
  // The stack connected an unconnected socket, or started to (in_progress:
  // a handshake): listen at its connect_name (returned in *name) for the
  // application's kernel socket, and take the connection as this channel's
  // daemon end once the stack is connected (state Connecting until then).
  // An in-progress connect expects the shim's filler first. 0 or -errno.
  int open_connect_listener(sockaddr_un* name, socklen_t* len, bool in_progress);
  // Unconnected or Connecting (no channel yet): the application's socket is gone.
  bool unconnected_gone();
  bool unconnected() const { return state_ == ChanState::Unconnected && app_ino_ != 0; }
  bool connecting() const { return state_ == ChanState::Connecting; }
  uint64_t app_inode() const { return app_ino_; }
  // A failed connect reset the application's socket (connected to the
  // embryo the daemon dropped): a new connect needs a fresh one, which the
  // shim makes, bound to the channel name, and names by its inode.
  bool app_spent() const { return app_spent_; }
  void renew_app(uint64_t ino) {
    app_ino_ = ino;
    app_spent_ = false;
    app_renewed_ = true;
  }
  bool app_renewed() const { return app_renewed_; }
  void set_app_renewed(bool on) { app_renewed_ = on; }
  // connect(AF_UNSPEC) disconnected the socket (Linux tcp_disconnect):
  // whatever the channel held goes with it, and the application's socket
  // is spent as after a failed connect (the shim renews it). No-op unless
  // Connected, Connecting or Unconnected.
  void disconnect_app();
  // The application sends urgent data on this socket (the shim says so
  // before each send(MSG_OOB)): from now on input_stream looks for the
  // mark (SIOCATMARK) before it reads, a syscall other sockets are spared.
  void watch_urgent();
  // shutdown(SHUT_RD) on a TCP connection: Linux keeps receiving and
  // delivers what arrives (recv answers 0 only with nothing queued), but
  // the application's channel end, shut for reading, refuses our writes:
  // so_rcv keeps what arrives from now on, and the shim takes it when a
  // read of its end says 0 (Ioctl kIoctlReadError, reply payload).
  void app_shutdown_read() { app_shut_rd_ = true; }
  bool app_shut_read() const { return app_shut_rd_; }
  // Take a connected daemon end (accept delivery).
  void attach(int fd);
  // Close the daemon end without touching the socket (it started listening).
  void close_channel();
  // Schedule a pump (deduplicated; safe from upcalls).
  void kick();
  // Run a scheduled pump now (the dispatcher does, before it replies, so
  // that a call's effects are visible when the call returns, as in a kernel).
  void run_scheduled();
  // The application's end is closed in every process (UNIX_DIAG).
  bool app_closed_now();
  // The application closed its end with data still unread in it (the kernel
  // reports ECONNRESET on the daemon's end then).
  bool app_left_unread();
  // The socket is being destroyed.
  void on_freed();
  // A request about this socket came from pid, naming its descriptor fd
  // (-1: not said): the processes that may hold the application's end, for
  // a reset to reach it (leave_unread). The latest few, most recent first.
  void note_holder(pid_t pid, int fd);
  const std::vector<AppHolder>& holders() const { return holders_; }  // tunsockctl ss -p
  // The application shuts down writing (the shim's Shutdown, before its own
  // shutdown(2)): see channel.cpp.
  void app_shutdown_write();
  // The application closed it for good (soclose done; the protocol may linger).
  void mark_closed() { state_ = ChanState::Closed; }
  bool closed() const { return state_ == ChanState::Closed || !so_; }
  // The kernel socket buffers of the channel follow the socket's SO_SNDBUF
  // and SO_RCVBUF (inet stream sockets): the daemon's end sends at most
  // about so_rcv's high-water mark into it, so the stack's window closes
  // when the application does not read. The value the app end's SO_SNDBUF
  // is set to (the shim applies it where the daemon does not hold the app
  // end), 0 for sockets whose channel keeps the kernel's defaults.
  int app_sndbuf() const;
  void tune_buffers();
  // Bytes the channel holds on the way to the stack (the daemon end's
  // SIOCINQ, less what was peeked into the stack already: consume_peeked)
  // and on the way to the application (its SIOCOUTQ).
  long held_inbound();
  long held_outbound();
  bool below_rcvlowat();

  // The so_statechange upcall (synchronous, unlike the pump): remembers
  // that a connect in progress got connected, even if a reset follows
  // before the pump runs (Linux: connect succeeded, then the reset).
  bool ever_connected() const { return ever_connected_; }
  void note_state() {
    if (so_ && (so_->so_state & SS_ISCONNECTED)) ever_connected_ = true;
  }
  // A nonblocking connect answered EINPROGRESS: Linux's next connect
  // reports how it ended (0 once, or the error) before EISCONN/EALREADY.
  void set_connect_unreported(bool on) { connect_unreported_ = on; }
  bool connect_unreported() const { return connect_unreported_; }
  // The error a read at the end of the data reports, consumed: so_error,
  // except on an inet stream whose peer's FIN came first (Linux tcp_recvmsg
  // answers 0 once SOCK_DONE is set; AF_UNIX reports sk_err always).
  int take_read_error();

  // A blocking call the stack answered EAGAIN (a full listener backlog, a
  // full datagram receiver): the shim waits on the read end of a pipe whose
  // write end the channel keeps (wait_token returns the read end, or
  // -errno); wake_waiters closes them when the socket may go on
  // (so_writable: the stack's own waiter list, uipc), and on_freed does.
  int wait_token();
  void wake_waiters();

  // Listening (listener.cpp).
  bool listening() const { return state_ == ChanState::Listening; }
  uint64_t listener_inode() const { return listener_ino_; }
  // Make the kernel listener for the application; returns its fd or -errno.
  int open_listener();
  // The application's unconnected socket becomes the listener itself (the
  // shim calls listen(2) on it): it has the channel name already.
  void listen_in_place();
  // Both directions shut by the daemon (the peer went away) and the
  // application's end closed since: no edge reports that, the sweep asks.
  bool app_end_gone();
  // Is the application's kernel listener gone (checked via UNIX_DIAG)?
  bool listener_gone();

 private:
  void pump();
  void input();
  bool input_stream();
  bool input_record();
  void on_eof();
  void output();
  bool output_stream();
  bool output_record();
  bool post_error();
  void check_state();
  bool reset_with_unread();
  bool reset_pending() const;
  bool leave_unread(uint64_t app_ino);
  void wait_read();
  void wait_write();
  void deliver();
  void arm_retry();
  void wait_connection();
  void connect_progress();
  void close_connect_listener();
  bool drain_filler();
  bool app_end_writable();
  void consume_peeked();
  void set_state(ChanState s);

 public:
  // The application's socket may have connected to the connect listener:
  // take the connection now if it is there (the dispatcher does, before
  // every request, so that a connect is complete when the shim's next call
  // returns). True when done (or nothing is pending any more).
  bool take_connection();

 private:
  int sosend_chain(struct mbuf* top, struct mbuf* control, int flags);

  Daemon& d_;
  Socket* so_;
  uint64_t id_;
  ChanKind kind_;
  std::optional<asio::posix::stream_descriptor> sd_;
  uint64_t ino_ = 0;
  bool scheduled_ = false;
  bool reading_ = false, writing_ = false;
  bool in_blocked_ = false;       // waiting for room in the stack (so_writable)
  bool app_shut_wr_ = false;      // EOF seen without hang-up
  bool app_wr_pending_ = false;   // the application's SHUT_WR: the next EOF is it
  bool wr_shut_ = false, rd_shut_ = false;  // shutdown() done on the daemon end
  bool out_dead_ = false;         // the application no longer reads
  bool app_reset_ = false;        // a channel write got ECONNRESET: the app closed with data unread
  bool err_posted_ = false;       // an error record tells of the current so_error
  bool app_spent_ = false;        // Unconnected after a failed connect (app_spent)
  bool app_renewed_ = false;      // renewed since: the next connect starts afresh
  bool reset_tried_ = false;      // leave_unread was tried (once per connection)
  bool urgent_watch_ = false;     // the application sends MSG_OOB (watch_urgent)
  bool app_shut_rd_ = false;      // TCP: the application shut down reading (so_rcv keeps the data)
  // TCP: input_stream peeks (SO_PEEK_OFF) rather than reads while the
  // channel holds little, so that the application's end sees no wake-up
  // for the room it gets back (consume_peeked says when it does).
  bool peek_ok_ = false;
  long peeked_ = 0;               // bytes peeked into the stack, still in the channel
  uint64_t app_end_ino_ = 0;      // the application's end (UNIX_DIAG), once looked up
  std::vector<AppHolder> holders_;
  ChanState state_ = ChanState::Connected;
  std::vector<int> waiters_;  // write ends of wait tokens
  bool connect_unreported_ = false;
  bool ever_connected_ = false;
  bool fin_first_ = false;    // so_rcv ended without an error (a FIN) before any error
  // Connecting: the filler the shim wrote behind its connect (bytes still
  // to discard; -1: its header not read yet), read before any data.
  long filler_left_ = 0;
  bool filler_expected_ = false;
  unsigned char filler_hdr_[8]{};
  size_t filler_hdr_got_ = 0;
  // listener
  uint64_t listener_ino_ = 0;
  sockaddr_un listen_name_{};
  socklen_t listen_namelen_ = 0;
  std::optional<asio::steady_timer> retry_;
  // unconnected: the application's kernel socket; the connect listener
  uint64_t app_ino_ = 0;
  std::optional<asio::posix::stream_descriptor> connl_;
  bool retry_armed_ = false;
};

}  // namespace tunsock::daemon
