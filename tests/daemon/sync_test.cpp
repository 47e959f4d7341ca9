// What a call does is visible to the peer when the call returns, as in a
// kernel: shutdown(SHUT_WR) reaches the peer before the Shutdown reply,
// FIONREAD counts what the peer has just written, and a peer that reads
// EOF after the other end closed finds its writes failing already.
#include <doctest/doctest.h>
#include <sys/ioctl.h>

#include "harness.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

struct Pair {
  uint64_t a = 0, b = 0;
  int fa = -1, fb = -1;
  ~Pair() {
    if (fa >= 0) ::close(fa);
    if (fb >= 0) ::close(fb);
  }
};

bool make_pair(Client& c, int type, Pair* p) {
  auto r = c.call(ipc::Op::Socketpair, 0, AF_UNIX, type, 0);
  if (!r || r->hdr.error || r->fds.size() != 2) return false;
  p->a = r->hdr.sock_id;
  p->b = uint64_t(r->hdr.value);
  p->fa = r->take_fd(0);
  p->fb = r->take_fd(1);
  return true;
}

}  // namespace

TEST_CASE("daemon: Shutdown(SHUT_WR) passes the data and the EOF on before it replies") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client c(h.path());
  for (int type : {SOCK_STREAM, SOCK_SEQPACKET}) {
    CAPTURE(type);
    Pair p;
    REQUIRE(make_pair(c, type, &p));
    REQUIRE(::write(p.fa, "data", 4) == 4);
    auto r = c.call(ipc::Op::Shutdown, p.a, SHUT_WR);  // the client does not shut the channel itself
    REQUIRE(r);
    CHECK(r->hdr.error == 0);
    char buf[16];
    CHECK(::recv(p.fb, buf, sizeof buf, MSG_DONTWAIT) == 4);  // no waiting: there already
    CHECK(::recv(p.fb, buf, sizeof buf, MSG_DONTWAIT) == 0);
    // The application's end can send no more, as after its own shutdown.
    CHECK(::send(p.fa, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == -1);
    CHECK(errno == EPIPE);
    // The other direction still works.
    REQUIRE(::write(p.fb, "back", 4) == 4);
    REQUIRE(wait_fd(p.fa, POLLIN));
    CHECK(::recv(p.fa, buf, sizeof buf, MSG_DONTWAIT) == 4);
  }
}

TEST_CASE("daemon: Ioctl(FIONREAD) first moves what the peer wrote into the channel") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client c(h.path());
  Pair p;
  REQUIRE(make_pair(c, SOCK_STREAM, &p));
  for (int round = 0; round < 20; ++round) {
    REQUIRE(::write(p.fa, "abc", 3) == 3);
    auto r = c.call(ipc::Op::Ioctl, p.b, int(FIONREAD));
    REQUIRE(r);
    CHECK(r->hdr.error == 0);
    int queued = 0;
    REQUIRE(::ioctl(p.fb, FIONREAD, &queued) == 0);
    CHECK(queued + r->hdr.value == 3);
    char buf[8];
    CHECK(::recv(p.fb, buf, sizeof buf, MSG_DONTWAIT) == 3);
  }
}

TEST_CASE("daemon: after the peer's close, EOF is never read while a write still succeeds") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client c(h.path());
  for (int round = 0; round < 50; ++round) {
    Pair p;
    REQUIRE(make_pair(c, round % 2 ? SOCK_SEQPACKET : SOCK_STREAM, &p));
    ::close(p.fb);
    p.fb = -1;
    char buf[8];
    ssize_t n = -1;
    while (wait_fd(p.fa, POLLIN) && (n = ::recv(p.fa, buf, sizeof buf, MSG_DONTWAIT)) < 0 && errno == EAGAIN) {
    }
    REQUIRE(n == 0);
    CHECK(::send(p.fa, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == -1);
    CHECK(errno == EPIPE);
  }
}

TEST_CASE("daemon: an application that closes with data unread resets its peer (SO_ERROR ECONNRESET)") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client c(h.path());
  for (int type : {SOCK_STREAM, SOCK_SEQPACKET}) {
    CAPTURE(type);
    Pair p;
    REQUIRE(make_pair(c, type, &p));
    REQUIRE(::write(p.fa, "unread", 6) == 6);
    REQUIRE(wait_fd(p.fb, POLLIN));
    ::close(p.fb);  // "unread" never read: the kernel reports ECONNRESET on the daemon's end
    p.fb = -1;
    char buf[8];
    REQUIRE(wait_fd(p.fa, POLLIN));
    // The peer's channel end shows the reset as the kernel's own (POLLERR,
    // ECONNRESET once): the daemon left a byte unread in its end through a
    // duplicate of p.fa (this process holds it) before closing it.
    pollfd pf{p.fa, POLLIN, 0};
    CHECK(::poll(&pf, 1, 0) == 1);
    CHECK((pf.revents & POLLERR) != 0);
    CHECK(::recv(p.fa, buf, sizeof buf, MSG_DONTWAIT) == -1);
    CHECK(errno == ECONNRESET);
    CHECK(::recv(p.fa, buf, sizeof buf, MSG_DONTWAIT) == 0);
    auto r = c.call(ipc::Op::GetSockOpt, p.a, SOL_SOCKET, SO_ERROR, sizeof(int));
    REQUIRE(r);
    REQUIRE(r->hdr.error == 0);
    int err = 0;
    REQUIRE(r->payload.size() == sizeof err);
    std::memcpy(&err, r->payload.data(), sizeof err);
    CHECK(err == ECONNRESET);
    r = c.call(ipc::Op::GetSockOpt, p.a, SOL_SOCKET, SO_ERROR, sizeof(int));  // reported once
    REQUIRE(r);
    std::memcpy(&err, r->payload.data(), sizeof err);
    CHECK(err == 0);
  }
}

TEST_CASE("daemon: a connect is complete, channel and all, when the shim's next request returns") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client c(h.path());
  auto hello = c.call(ipc::Op::Hello);
  REQUIRE(hello);
  const uint64_t instance = hello->hdr.sock_id;
  auto ls = c.call(ipc::Op::Socket, 0, AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(ls);
  REQUIRE(ls->fds.size() == 1);
  const uint64_t lid = ls->hdr.sock_id;
  int lfd = ls->take_fd();
  socklen_t nlen;
  sockaddr_un name = abstract_name("tunsockd-test.sync." + std::to_string(::getpid()), &nlen);
  auto b = c.call(ipc::Op::Bind, lid, 0, 0, 0, &name, nlen);
  REQUIRE(b);
  REQUIRE(b->hdr.error == 0);
  auto l = c.call(ipc::Op::Listen, lid, 4);
  REQUIRE(l);
  REQUIRE(l->hdr.value == 1);
  REQUIRE(::listen(lfd, 4096) == 0);
  for (int round = 0; round < 10; ++round) {
    auto cs = c.call(ipc::Op::Socket, 0, AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(cs);
    REQUIRE(cs->fds.size() == 1);
    const uint64_t cid = cs->hdr.sock_id;
    int cfd = cs->take_fd();
    auto k = c.call(ipc::Op::Connect, cid, 0, 0, 0, &name, nlen);
    REQUIRE(k);
    REQUIRE(k->hdr.error == 0);
    REQUIRE(k->hdr.value == 1);
    REQUIRE(::connect(cfd, reinterpret_cast<const sockaddr*>(k->addr.data()), socklen_t(k->addr.size())) == 0);
    REQUIRE(c.call(ipc::Op::Identify, cid));  // the shim's request after its connect
    REQUIRE(wait_fd(lfd, POLLIN));
    int afd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(afd >= 0);
    sockaddr_un peer;
    socklen_t plen = sizeof peer;
    uint64_t inst = 0, aid = 0;
    REQUIRE(::getpeername(afd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0);
    REQUIRE(ipc::parse_channel_name(&peer, plen, &inst, &aid));
    CHECK(inst == instance);
    REQUIRE(c.call(ipc::Op::Accepted, aid));
    REQUIRE(::write(afd, "hi", 2) == 2);
    // FIONREAD (a request) then a read without waiting: there already.
    auto f = c.call(ipc::Op::Ioctl, cid, int(FIONREAD));
    REQUIRE(f);
    char buf[4];
    CHECK(::recv(cfd, buf, sizeof buf, MSG_DONTWAIT) == 2);
    ::close(afd);
    ::close(cfd);
  }
  ::close(lfd);
}
