// The control socket under abuse: garbage, wrong magic, unknown ops, lying
// lengths, unexpected fds, clients that vanish mid-request, foreign uids,
// and SIGTERM. The daemon must keep serving everyone else and leak nothing.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "daemon/config.hpp"
#include "harness.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("daemon: Hello answers pid and instance") {
  DaemonHarness h;
  REQUIRE(h.started());
  struct stat st;
  REQUIRE(::stat(h.path().c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  Client c(h.path());
  REQUIRE(c.ok());
  auto r = c.call(ipc::Op::Hello);
  REQUIRE(r);
  CHECK(r->hdr.error == 0);
  CHECK(r->hdr.value == ::getpid());
  CHECK(r->hdr.sock_id == h.daemon().instance());
  auto s = c.call(ipc::Op::Stats);
  REQUIRE(s);
  CHECK(s->payload.find("control:") != std::string::npos);
}

TEST_CASE("daemon: Hello names the domains the daemon serves (--domains)") {
  const uint32_t unix_bit = ipc::domain_bit(AF_UNIX), inet_bit = ipc::domain_bit(AF_INET),
                 inet6_bit = ipc::domain_bit(AF_INET6);
  {
    DaemonHarness h;
    REQUIRE(h.started());
    Client c(h.path());
    auto r = c.call(ipc::Op::Hello);
    REQUIRE(r);
    CHECK(uint32_t(r->hdr.a) == (unix_bit | inet_bit | inet6_bit));  // the shim sends all three to the stack
    // No inet6 socket is the host kernel's any more (issue 8 "Done means"):
    // each type is the stack's, or a real errno, never kFallThrough.
    for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_RAW}) {
      auto s = c.call(ipc::Op::Socket, 0, AF_INET6, type, type == SOCK_RAW ? IPPROTO_ICMPV6 : 0);
      REQUIRE(s);
      CAPTURE(type);
      CHECK(s->hdr.error != ipc::kFallThrough);
      CHECK(s->hdr.error >= 0);
      CHECK(s->hdr.error < 4096);
    }
    auto raw6 = c.call(ipc::Op::Socket, 0, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    REQUIRE(raw6);
    CHECK(raw6->hdr.error == 0);  // inet6 is up without --tun (::1 on the stack's loopback)
  }
  {
    DaemonHarness h(false, false);
    REQUIRE(h.started());
    Client c(h.path());
    auto r = c.call(ipc::Op::Hello);
    REQUIRE(r);
    CHECK(uint32_t(r->hdr.a) == unix_bit);
    auto s = c.call(ipc::Op::Socket, 0, AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s);
    CHECK(s->hdr.error == EAFNOSUPPORT);
  }
}

TEST_CASE("daemon: --domains parses unix, inet and inet6, refuses the rest") {
  auto parse = [](std::vector<const char*> args, int* code) {
    args.insert(args.begin(), "tunsockd");
    *code = -1;
    return daemon::parse_args(int(args.size()), const_cast<char**>(args.data()), code);
  };
  int code = -1;
  auto c = parse({"--domains", "unix"}, &code);
  REQUIRE(c);
  CHECK_FALSE(c->inet.enabled);
  CHECK_FALSE(c->inet.inet6);
  c = parse({"--domains=unix,inet"}, &code);
  REQUIRE(c);
  CHECK(c->inet.enabled);
  CHECK_FALSE(c->inet.inet6);
  c = parse({"--domains=unix,inet,inet6"}, &code);
  REQUIRE(c);
  CHECK(c->inet.enabled);
  CHECK(c->inet.inet6);
  c = parse({}, &code);
  REQUIRE(c);
  CHECK(c->inet.enabled);
  CHECK(c->inet.inet6);
  CHECK_FALSE(parse({"--domains", "unix,inet6"}, &code));  // inet6 needs inet
  CHECK(code == 2);
  CHECK_FALSE(parse({"--domains", "unix,inet,ipx"}, &code));
  CHECK(code == 2);
  CHECK_FALSE(parse({"--domains", "unix", "--tun", "tsk0", "--address", "198.18.0.2/24"}, &code));
  CHECK(code == 2);
}

TEST_CASE("daemon: garbage and wrong magic close only that connection") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client good(h.path());
  REQUIRE(good.call(ipc::Op::Hello));
  {
    Client bad(h.path());
    CHECK(bad.send_raw("xyz", 3));
    CHECK(bad.closed_by_peer());
  }
  {
    Client bad(h.path());
    auto q = ipc::make_request(ipc::Op::Hello, 1, 0);
    q.magic = 0xdeadbeef;
    CHECK(bad.send(q));
    CHECK(bad.closed_by_peer());
  }
  {
    Client bad(h.path());
    std::string junk(sizeof(ipc::Request) + 40, '\xff');
    CHECK(bad.send_raw(junk.data(), junk.size()));
    CHECK(bad.closed_by_peer());
  }
  auto r = good.call(ipc::Op::Hello);
  REQUIRE(r);
  CHECK(r->hdr.error == 0);
}

TEST_CASE("daemon: unknown op and lying lengths get an error reply - the connection stays") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client c(h.path());
  auto q = ipc::make_request(ipc::Op::Hello, 5, 0);
  q.op = 999;
  REQUIRE(c.send(q));
  auto r = c.recv();
  REQUIRE(r);
  CHECK(r->hdr.seq == 5);
  CHECK(r->hdr.error == ENOSYS);
  // Claims a payload that is not there.
  q = ipc::make_request(ipc::Op::SetSockOpt, 6, 1);
  q.payload_len = 100000;
  REQUIRE(c.send_raw(&q, sizeof q));
  r = c.recv();
  REQUIRE(r);
  CHECK(r->hdr.seq == 6);
  CHECK(r->hdr.error == EINVAL);
  // Requests on sockets that do not exist.
  for (auto op : {ipc::Op::Bind, ipc::Op::Listen, ipc::Op::Connect, ipc::Op::GetSockName, ipc::Op::Shutdown,
                  ipc::Op::GetSockOpt, ipc::Op::SendTo, ipc::Op::Ioctl, ipc::Op::Closed, ipc::Op::Accepted,
                  ipc::Op::Identify}) {
    auto a = c.call(op, 123456);
    REQUIRE(a);
    CHECK(a->hdr.error == EBADF);
  }
  auto ok = c.call(ipc::Op::Hello);
  REQUIRE(ok);
  CHECK(ok->hdr.error == 0);
}

TEST_CASE("daemon: fds sent with an op that takes none are closed") {
  DaemonHarness h;
  REQUIRE(h.started());
  Client c(h.path());
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  auto r = c.call(ipc::Op::Hello, 0, 0, 0, 0, nullptr, 0, {}, {p[1], p[1]});
  REQUIRE(r);
  CHECK(r->hdr.error == EINVAL);
  ::close(p[1]);
  // The daemon's copies are gone too: the read end sees EOF.
  REQUIRE(wait_fd(p[0], POLLIN));
  char b;
  CHECK(::read(p[0], &b, 1) == 0);
  ::close(p[0]);
  CHECK(h.daemon().control().stats().dropped_fds >= 2);
}

TEST_CASE("daemon: a client that disconnects mid-request does not disturb others") {
  DaemonHarness h;
  REQUIRE(h.started());
  for (int i = 0; i < 20; ++i) {
    Client gone(h.path());
    auto q = ipc::make_request(ipc::Op::Hello, 1, 0);
    gone.send_raw(&q, sizeof q / 2);  // half a record, then vanish
    Client gone2(h.path());
    gone2.send(ipc::make_request(ipc::Op::Stats, 1, 0));  // never reads the reply
  }
  Client c(h.path());
  auto r = c.call(ipc::Op::Hello);
  REQUIRE(r);
  CHECK(r->hdr.error == 0);
}

TEST_CASE("daemon: SO_PEERCRED rejects other users") {
  if (::geteuid() != 0) return;  // needs root to become another user
  DaemonHarness h;
  REQUIRE(h.started());
  std::string dir = h.path().substr(0, h.path().rfind('/'));
  ::chmod(dir.c_str(), 0755);
  ::chmod(h.path().c_str(), 0666);  // let the stranger reach the socket at all
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(3);
    Client c(h.path());
    if (!c.ok()) _exit(4);
    auto q = ipc::make_request(ipc::Op::Hello, 1, 0);
    c.send(q);
    _exit(c.closed_by_peer() ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(h.daemon().control().stats().rejected == 1);
}

TEST_CASE("daemon: SIGTERM closes everything and unlinks the socket") {
  DaemonHarness h(/*signals=*/true);
  REQUIRE(h.started());
  Client c(h.path());
  auto r = c.call(ipc::Op::Hello);
  REQUIRE(r);
  ::kill(::getpid(), SIGTERM);
  CHECK(c.closed_by_peer());
  struct stat st;
  for (int i = 0; i < 300 && ::stat(h.path().c_str(), &st) == 0; ++i) ::usleep(10000);
  CHECK(::stat(h.path().c_str(), &st) < 0);
  h.thread().join();  // io_context::run returned
  CHECK(h.daemon().stopped());
}
