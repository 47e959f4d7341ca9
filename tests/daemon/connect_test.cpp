// The channel's states for a connection-oriented protocol whose connect
// goes on after the call (a TCP handshake), driven through the fake
// protocol of tests/kern on the daemon's own stack, with the shim's side
// played by hand (PROTOCOL.md "The channel's states"): the connect filler
// keeps the application's end from polling writable until the stack is
// connected; a failure resets it (IN|OUT|ERR|HUP|RDHUP) and SO_ERROR says
// why once; a reset with the application's data unread gives it POLLERR.
#include <doctest/doctest.h>

#include <sys/ioctl.h>

#include <cstdlib>

#include "harness.hpp"
#include "kern/fake_proto.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

constexpr short kAll = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP;

short revents(int fd) {
  pollfd p{fd, kAll, 0};
  return ::poll(&p, 1, 0) == 1 ? p.revents : 0;
}

// Wait until fd polls exactly want (bounded).
bool settles_to(int fd, short want) {
  for (int i = 0; i < 300; ++i) {
    if (revents(fd) == want) return true;
    ::usleep(10000);
  }
  return false;
}

struct ConnRig {
  FakeProto f;
  DaemonHarness h;
  Client c{h.path()};
  ConnRig() {
    fake() = &f;
    fake_domain.dom_protosw = fake_sw;
    h.on_daemon([this] {
      h.daemon().stack().add_domain(&fake_domain);
      return 0;
    });
  }
  ~ConnRig() { h.stop(); }
  // A fake stream socket: its app fd (unconnected) and id.
  int socket(uint64_t* id) {
    auto r = c.call(ipc::Op::Socket, 0, kFakeFamily, SOCK_STREAM, 0);
    if (!r || r->hdr.error || r->fds.size() != 1) return -1;
    *id = r->hdr.sock_id;
    return r->take_fd();
  }
  std::optional<Answer> connect(uint64_t id) {
    sockaddr sa{};
    sa.sa_family = kFakeFamily;
    return c.call(ipc::Op::Connect, id, 0, 0, 0, &sa, sizeof sa, {}, {}, 0);
  }
  // As the shim: join the connect listener, then write the filler.
  bool join(int fd, const Answer& r, bool filler) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(r.addr.data()), socklen_t(r.addr.size())) < 0) return false;
    if (!filler) return true;
    int sb = 0;
    socklen_t sl = sizeof sb;
    ::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, &sl);
    std::string buf(ipc::filler_len(sb), 'p');
    ipc::ConnectFiller hdr{ipc::kFillerMagic, uint32_t(buf.size())};
    std::memcpy(buf.data(), &hdr, sizeof hdr);
    return ::send(fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_NOSIGNAL) == ssize_t(buf.size());
  }
  // A fake stream connect left in progress, the app's fd joined to the
  // connect listener with its filler, as the shim leaves it; -1 on failure.
  int connecting(uint64_t* id) {
    f.connect_completes = false;
    int fd = socket(id);
    if (fd < 0) return -1;
    auto a = connect(*id);
    if (!a || a->hdr.error != EINPROGRESS || !join(fd, *a, true)) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  // A fake stream connection that completed within connect (no filler),
  // its channel taken by the daemon: the app's fd, writable; -1 on failure.
  int connected(uint64_t* id) {
    int fd = socket(id);
    if (fd < 0) return -1;
    auto a = connect(*id);
    if (!a || a->hdr.error || a->hdr.b || !join(fd, *a, false) || !c.call(ipc::Op::Identify, *id) ||
        !settles_to(fd, POLLOUT)) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  int so_error(uint64_t id) {
    auto r = c.call(ipc::Op::GetSockOpt, id, SOL_SOCKET, SO_ERROR, sizeof(int));
    int e = -1;
    if (r && !r->hdr.error && r->payload.size() == sizeof e) std::memcpy(&e, r->payload.data(), sizeof e);
    return e;
  }
  template <class F>
  void on_socket(uint64_t id, F fn) {
    h.on_daemon([&] {
      if (Socket* so = h.daemon().stack().find_socket(id)) fn(*so);
      h.daemon().run_pending();
      return 0;
    });
  }
  std::string sent() {
    return h.on_daemon([this] {
      std::string all;
      for (auto& s : f.sent) all += s;
      return all;
    });
  }
  bool gone(uint64_t id) {
    for (int i = 0; i < 300; ++i) {
      auto r = c.call(ipc::Op::GetSockName, id);
      if (r && r->hdr.error == EBADF) return true;
      ::usleep(10000);
    }
    return false;
  }
};

}  // namespace

TEST_CASE("a connect in progress polls nothing, then POLLOUT by itself once the stack is connected") {
  ConnRig r;
  REQUIRE(r.h.started());
  r.f.connect_completes = false;
  uint64_t id = 0;
  int fd = r.socket(&id);
  REQUIRE(fd >= 0);
  CHECK(revents(fd) == (POLLOUT | POLLHUP));  // unconnected, as an unconnected TCP socket
  auto a = r.connect(id);
  REQUIRE(a);
  CHECK(a->hdr.error == EINPROGRESS);
  CHECK(a->hdr.value == 1);
  CHECK(a->hdr.b == 1);
  REQUIRE(r.join(fd, *a, true));
  // Requests make the daemon look at pending connections: it must not take
  // this one while the stack is still connecting.
  CHECK(r.c.call(ipc::Op::Identify, id));
  CHECK(revents(fd) == 0);
  auto again = r.connect(id);
  REQUIRE(again);
  CHECK(again->hdr.error == EALREADY);
  CHECK(revents(fd) == 0);

  r.on_socket(id, [](Socket& so) { soisconnected(so); });
  CHECK(wait_fd(fd, POLLOUT));
  CHECK(settles_to(fd, POLLOUT));
  // The filler is gone, the application's data follows it to the protocol.
  REQUIRE(::write(fd, "hello", 5) == 5);
  std::string got;
  for (int i = 0; i < 300 && got.size() < 5; ++i) {
    got = r.sent();
    if (got.size() < 5) ::usleep(10000);
  }
  CHECK(got == "hello");
  // Linux: the connect after one in progress ended reports it (0 once), then EISCONN.
  auto third = r.connect(id);
  REQUIRE(third);
  CHECK(third->hdr.error == 0);
  auto fourth = r.connect(id);
  REQUIRE(fourth);
  CHECK(fourth->hdr.error == EISCONN);
  ::close(fd);
  CHECK(r.gone(id));
}

TEST_CASE("a connect that fails polls IN|OUT|ERR|HUP|RDHUP and SO_ERROR says why once") {
  ConnRig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.connecting(&id);
  REQUIRE(fd >= 0);
  CHECK(revents(fd) == 0);
  r.on_socket(id, [](Socket& so) {
    so.so_error = ECONNREFUSED;
    soisdisconnected(so);
  });
  CHECK(settles_to(fd, kAll));
  CHECK(r.so_error(id) == ECONNREFUSED);
  CHECK(r.so_error(id) == 0);
  // The channel's own kernel error: what the shim clears with its SO_ERROR.
  char b[8];
  CHECK(::read(fd, b, sizeof b) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(::read(fd, b, sizeof b) == 0);
  ::close(fd);
  CHECK(r.gone(id));  // the sweep sees the application's socket gone
}

TEST_CASE("a connect after a failed one: the failure's report says renew, a fresh socket named by its inode connects") {
  ConnRig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.connecting(&id);
  REQUIRE(fd >= 0);
  r.on_socket(id, [](Socket& so) {
    so.so_error = ECONNREFUSED;
    soisdisconnected(so);
  });
  CHECK(settles_to(fd, kAll));
  // Linux's next connect reports the failure and disconnects the socket:
  // the shim is told to replace its spent socket (c 1).
  auto a = r.connect(id);
  REQUIRE(a);
  CHECK(a->hdr.error == ECONNREFUSED);
  CHECK(a->hdr.c == 1);
  // Not replaced yet: a connect is refused until it is.
  a = r.connect(id);
  REQUIRE(a);
  CHECK(a->hdr.error == ipc::kRenewSocket);
  int fresh = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fresh >= 0);
  struct stat st;
  REQUIRE(::fstat(fresh, &st) == 0);
  sockaddr sa{};
  sa.sa_family = kFakeFamily;
  a = r.c.call(ipc::Op::Connect, id, 0, 0, 0, &sa, sizeof sa, {}, {}, int64_t(st.st_ino), ipc::kRenewed);
  REQUIRE(a);
  CHECK(a->hdr.error == 0);
  ::close(fd);  // the spent socket is gone; the socket lives on in the fresh one
  a = r.connect(id);
  REQUIRE(a);
  REQUIRE(a->hdr.error == EINPROGRESS);
  REQUIRE(a->hdr.value == 1);
  REQUIRE(r.join(fresh, *a, true));
  CHECK(revents(fresh) == 0);
  r.on_socket(id, [](Socket& so) { soisconnected(so); });
  CHECK(wait_fd(fresh, POLLOUT));
  CHECK(settles_to(fresh, POLLOUT));  // both directions open again (no HUP, no RDHUP)
  CHECK(r.c.call(ipc::Op::Identify, id));
  ::close(fresh);
  CHECK(r.gone(id));
}

TEST_CASE("a connect whose stack side completes before the application's socket arrives is taken at once") {
  ConnRig r;
  REQUIRE(r.h.started());
  r.f.connect_completes = false;
  uint64_t id = 0;
  int fd = r.socket(&id);
  REQUIRE(fd >= 0);
  auto a = r.connect(id);
  REQUIRE(a);
  REQUIRE(a->hdr.error == EINPROGRESS);
  r.on_socket(id, [](Socket& so) { soisconnected(so); });
  REQUIRE(r.join(fd, *a, true));
  CHECK(wait_fd(fd, POLLOUT));
  CHECK(settles_to(fd, POLLOUT));
  ::close(fd);
}

TEST_CASE("a reset with the application's data unread in the channel gives its end POLLERR and ECONNRESET once") {
  ConnRig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.connected(&id);  // completes within the call; the daemon takes the channel
  REQUIRE(fd >= 0);
  // No room in the stack: what the application writes stays in the channel.
  r.on_socket(id, [](Socket& so) { so.so_snd.sb_hiwat = 0; });
  REQUIRE(::write(fd, "unread", 6) == 6);
  CHECK(r.c.call(ipc::Op::Identify, id));
  r.on_socket(id, [](Socket& so) {
    so.so_error = ECONNRESET;
    soisdisconnected(so);
  });
  CHECK(settles_to(fd, kAll));
  char b[8];
  CHECK(::read(fd, b, sizeof b) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(::read(fd, b, sizeof b) == 0);
  CHECK(r.so_error(id) == ECONNRESET);  // the shim reports this one (once)
  CHECK(r.so_error(id) == 0);
  ::close(fd);
  CHECK(r.gone(id));
}

TEST_CASE("a pending error on a connection that goes on is the application's: its later bytes still reach the protocol") {
  ConnRig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.connected(&id);
  REQUIRE(fd >= 0);
  // An ICMP error reported at once (IP_RECVERR): so_error, still connected.
  r.on_socket(id, [](Socket& so) { so.so_error = EHOSTUNREACH; });
  REQUIRE(::write(fd, "after", 5) == 5);  // written before the application could know
  std::string got;
  for (int i = 0; i < 300 && got.size() < 5; ++i) {
    got = r.sent();
    if (got.size() < 5) ::usleep(10000);
  }
  CHECK(got == "after");
  CHECK(r.so_error(id) == EHOSTUNREACH);  // not consumed by the daemon's send
  CHECK(r.so_error(id) == 0);
  ::close(fd);
  CHECK(r.gone(id));
}

TEST_CASE("a reset with nothing unread: the daemon leaves a byte in its end through the app's, POLLERR and ECONNRESET once") {
  ConnRig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.connected(&id);  // completes within the call; the daemon takes the channel
  REQUIRE(fd >= 0);
  // This process made the requests and holds the application's end: the
  // daemon (in it) takes a duplicate of fd with pidfd_getfd.
  r.on_socket(id, [](Socket& so) {
    so.so_error = ETIMEDOUT;
    soisdisconnected(so);
  });
  CHECK(settles_to(fd, kAll));
  char b[8];
  CHECK(::read(fd, b, sizeof b) == -1);
  CHECK(errno == ECONNRESET);  // the kernel's; the shim asks for the stack's
  CHECK(::read(fd, b, sizeof b) == 0);
  CHECK(r.so_error(id) == ETIMEDOUT);
  CHECK(r.so_error(id) == 0);
  CHECK(::send(fd, "x", 1, MSG_NOSIGNAL) == -1);
  CHECK(errno == EPIPE);
  ::close(fd);
  CHECK(r.gone(id));
}

TEST_CASE("a reset after the application shut down writing ends the channel with both shutdowns - SO_ERROR holds the error") {
  ConnRig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.connected(&id);  // completes within the call; the daemon takes the channel
  REQUIRE(fd >= 0);
  REQUIRE(::shutdown(fd, SHUT_WR) == 0);  // its end can no longer leave a byte
  CHECK(r.c.call(ipc::Op::Identify, id));
  r.on_socket(id, [](Socket& so) {
    so.so_error = ETIMEDOUT;
    soisdisconnected(so);
  });
  // DEVIATION (PROTOCOL.md): no POLLERR here; the shim turns the EOF into
  // the pending error.
  CHECK(settles_to(fd, POLLIN | POLLOUT | POLLHUP | POLLRDHUP));
  char b[8];
  CHECK(::read(fd, b, sizeof b) == 0);
  CHECK(r.so_error(id) == ETIMEDOUT);
  CHECK(r.so_error(id) == 0);
  ::close(fd);
  CHECK(r.gone(id));
}

TEST_CASE("FIONREAD on a connection counts bytes: what the stack holds plus the application end's SIOCINQ") {
  ConnRig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.connected(&id);  // completes within the call; the daemon takes the channel
  REQUIRE(fd >= 0);
  const std::string data = "hello from peer\n";
  r.on_socket(id, [&](Socket& so) {
    sbappendstream(so.so_rcv, m_devget(data.data(), int(data.size()), M_NOWAIT, true));
    sorwakeup(so);
  });
  // The shim's sum (ioctl in io_calls.cpp): the daemon's answer, then its
  // own end's FIONREAD. The daemon's end would count skb truesize (SIOCOUTQ
  // of an AF_UNIX socket): it must not be in the answer.
  auto fionread = [&] {
    auto q = r.c.call(ipc::Op::Ioctl, id, int(FIONREAD));
    int mine = 0;
    if (!q || q->hdr.error || ::ioctl(fd, FIONREAD, &mine) < 0) return -1L;
    return long(q->hdr.value) + mine;
  };
  CHECK(fionread() == long(data.size()));
  char b[6];
  REQUIRE(::recv(fd, b, sizeof b, 0) == 6);
  CHECK(fionread() == long(data.size()) - 6);
  // No room in the channel: the rest stays in so_rcv and is counted there.
  r.on_socket(id, [&](Socket& so) {
    std::string big(1 << 20, 'x');
    sbappendstream(so.so_rcv, m_devget(big.data(), int(big.size()), M_NOWAIT, true));
    sorwakeup(so);
  });
  CHECK(fionread() == long(data.size()) - 6 + (1 << 20));
  ::close(fd);
  CHECK(r.gone(id));
}
