// The daemon end to end with a raw protocol client (no shim): sockets and
// their channels, bind/listen/connect/accept delivery, data both ways, EOF
// and EPIPE propagation, socketpairs, datagrams with addresses, rights.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.hpp"
#include "local_rig.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

using Rig = LocalRig;

std::string unique(const char* what) { return std::string("tunsockd-test.") + what + "." + std::to_string(::getpid()); }

}  // namespace

TEST_CASE("daemon: Socket hands over an unconnected kernel socket named after the socket") {
  Rig r;
  REQUIRE(r.h.started());
  uint64_t id = 0;
  int fd = r.socket(SOCK_STREAM, &id);
  REQUIRE(fd >= 0);
  // Unconnected as the kernel's own: ENOTCONN, EINVAL, not a channel yet.
  char c1;
  CHECK(::send(fd, "x", 1, MSG_NOSIGNAL) == -1);
  CHECK(errno == ENOTCONN);
  CHECK(::recv(fd, &c1, 1, MSG_DONTWAIT) == -1);
  CHECK(errno == EINVAL);
  sockaddr_un peer;
  socklen_t len = sizeof peer;
  CHECK(::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == -1);
  len = sizeof peer;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0);
  uint64_t inst = 0, sid = 0;
  REQUIRE(ipc::parse_channel_name(&peer, len, &inst, &sid));
  CHECK(inst == r.instance);
  CHECK(sid == id);
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);  // the shim applies SOCK_NONBLOCK
  auto a = r.c.call(ipc::Op::Identify, id);
  REQUIRE(a);
  CHECK(a->hdr.error == 0);
  CHECK(a->hdr.a == AF_UNIX);
  CHECK(a->hdr.b == SOCK_STREAM);
  struct stat st;
  REQUIRE(::fstat(fd, &st) == 0);
  auto b = r.c.call(ipc::Op::Identify, 0, 0, 0, 0, nullptr, 0, {}, {}, int64_t(st.st_ino));
  REQUIRE(b);
  CHECK(b->hdr.error == 0);
  CHECK(b->hdr.sock_id == id);
  ::close(fd);
  CHECK(r.gone(id));
}

TEST_CASE("daemon: listen, connect, accept, data both ways, EOF and EPIPE") {
  Rig r;
  REQUIRE(r.h.started());
  const std::string name = unique("listen");
  uint64_t sid = 0, cid = 0, aid = 0;
  int sfd = r.socket(SOCK_STREAM, &sid);
  REQUIRE(sfd >= 0);
  REQUIRE(r.bind(sid, name) == 0);
  int lfd = r.listen(sid, 5, sfd);
  REQUIRE(lfd == sfd);
  sockaddr_un lname;
  socklen_t llen = sizeof lname;
  REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&lname), &llen) == 0);
  uint64_t inst = 0, lid = 0;
  REQUIRE(ipc::parse_channel_name(&lname, llen, &inst, &lid));
  CHECK(lid == sid);

  int cfd = r.socket(SOCK_STREAM, &cid);
  REQUIRE(cfd >= 0);
  int e = r.connect(cid, name, cfd);
  CHECK((e == 0 || e == EINPROGRESS));
  int afd = r.accept(lfd, &aid);
  REQUIRE(afd >= 0);
  auto pn = r.c.call(ipc::Op::GetPeerName, cid);
  REQUIRE(pn);
  CHECK(pn->hdr.error == 0);

  REQUIRE(::write(cfd, "hello", 5) == 5);
  CHECK(read_n(afd, 5) == "hello");
  REQUIRE(::write(afd, "world!", 6) == 6);
  CHECK(read_n(cfd, 6) == "world!");

  // A megabyte through the stack, written while the other side reads.
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = char(i * 7 + i / 4096);
  std::thread writer([&] {
    size_t off = 0;
    while (off < big.size() && wait_fd(cfd, POLLOUT)) {
      ssize_t n = ::write(cfd, big.data() + off, big.size() - off);
      if (n <= 0) break;
      off += size_t(n);
    }
  });
  std::string got = read_n(afd, big.size());
  writer.join();
  CHECK(got.size() == big.size());
  CHECK(got == big);

  // shutdown(SHUT_WR) on the client: the server reads EOF, can still write.
  auto sh = r.c.call(ipc::Op::Shutdown, cid, SHUT_WR);
  REQUIRE(sh);
  CHECK(sh->hdr.error == 0);
  ::shutdown(cfd, SHUT_WR);
  REQUIRE(wait_fd(afd, POLLIN));
  char b[16];
  CHECK(::read(afd, b, sizeof b) == 0);
  REQUIRE(::write(afd, "late", 4) == 4);
  CHECK(read_n(cfd, 4) == "late");

  // The server closes: the client reads EOF and its writes get EPIPE.
  ::close(afd);
  REQUIRE(wait_fd(cfd, POLLIN));
  CHECK(::read(cfd, b, sizeof b) == 0);
  CHECK(r.gone(aid));
  ::close(cfd);
  CHECK(r.gone(cid));
  ::close(lfd);
  auto cl = r.c.call(ipc::Op::Closed, sid);
  REQUIRE(cl);
  CHECK(r.gone(sid));
}

TEST_CASE("daemon: EPIPE when the peer is gone") {
  Rig r;
  REQUIRE(r.h.started());
  uint64_t a = 0, b = 0;
  auto p = r.c.call(ipc::Op::Socketpair, 0, AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(p);
  REQUIRE(p->hdr.error == 0);
  REQUIRE(p->fds.size() == 2);
  a = p->hdr.sock_id;
  b = uint64_t(p->hdr.value);
  int fa = p->take_fd(0), fb = p->take_fd(1);
  ::close(fb);
  CHECK(r.gone(b));
  bool epipe = false;
  for (int i = 0; i < 300 && !epipe; ++i) {
    if (::send(fa, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EPIPE) epipe = true;
    else ::usleep(10000);
  }
  CHECK(epipe);
  ::close(fa);
  CHECK(r.gone(a));
}

TEST_CASE("daemon: a seqpacket socketpair keeps records") {
  Rig r;
  REQUIRE(r.h.started());
  auto p = r.c.call(ipc::Op::Socketpair, 0, AF_UNIX, SOCK_SEQPACKET, 0);
  REQUIRE(p);
  REQUIRE(p->hdr.error == 0);
  REQUIRE(p->fds.size() == 2);
  int fa = p->take_fd(0), fb = p->take_fd(1);
  REQUIRE(::write(fa, "one", 3) == 3);
  REQUIRE(::write(fa, "three", 5) == 5);
  char buf[64];
  REQUIRE(wait_fd(fb, POLLIN));
  CHECK(::read(fb, buf, sizeof buf) == 3);
  REQUIRE(wait_fd(fb, POLLIN));
  CHECK(::read(fb, buf, sizeof buf) == 5);
  REQUIRE(::write(fb, "back", 4) == 4);
  REQUIRE(wait_fd(fa, POLLIN));
  CHECK(::read(fa, buf, sizeof buf) == 4);
  ::close(fa);
  REQUIRE(wait_fd(fb, POLLIN));
  CHECK(::read(fb, buf, sizeof buf) == 0);
  ::close(fb);
}

TEST_CASE("daemon: datagrams arrive framed with their source address") {
  Rig r;
  REQUIRE(r.h.started());
  uint64_t a = 0, b = 0;
  int fa = r.socket(SOCK_DGRAM, &a);
  int fb = r.socket(SOCK_DGRAM, &b);
  REQUIRE(fa >= 0);
  REQUIRE(fb >= 0);
  const std::string na = unique("dgram-a"), nb = unique("dgram-b");
  REQUIRE(r.bind(a, na) == 0);
  REQUIRE(r.bind(b, nb) == 0);
  socklen_t len;
  auto to = abstract_name(nb, &len);
  auto s = r.c.call(ipc::Op::SendTo, a, 0, 0, 0, &to, len, "ping");
  REQUIRE(s);
  CHECK(s->hdr.error == 0);
  CHECK(s->hdr.value == 4);
  REQUIRE(wait_fd(fb, POLLIN));
  char buf[512];
  ssize_t n = ::read(fb, buf, sizeof buf);
  REQUIRE(n >= ssize_t(sizeof(ipc::DgramHeader)));
  ipc::DgramHeader dh;
  std::memcpy(&dh, buf, sizeof dh);
  CHECK(dh.datalen == 4);
  REQUIRE(size_t(n) == ipc::kDgramFrame + dh.datalen);
  CHECK(dh.ctllen == 0);
  CHECK(dh.flags == 0);
  socklen_t alen;
  auto from = abstract_name(na, &alen);
  CHECK(dh.addrlen == alen);
  CHECK(std::memcmp(buf + sizeof dh, &from, alen) == 0);
  CHECK(std::string(buf + ipc::kDgramFrame, 4) == "ping");
  auto st = r.c.call(ipc::Op::Stats);
  REQUIRE(st);
  CHECK(st->payload.find("dgram") != std::string::npos);
  ::close(fa);
  ::close(fb);
  CHECK(r.gone(a));
  CHECK(r.gone(b));
}

TEST_CASE("daemon: file descriptors pass through a stream channel") {
  Rig r;
  REQUIRE(r.h.started());
  auto p = r.c.call(ipc::Op::Socketpair, 0, AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(p);
  REQUIRE(p->hdr.error == 0);
  REQUIRE(p->fds.size() == 2);
  int fa = p->take_fd(0), fb = p->take_fd(1);
  int pp[2];
  REQUIRE(::pipe2(pp, O_CLOEXEC) == 0);
  iovec iov{const_cast<char*>("R"), 1};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  cmsghdr* cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cm), &pp[1], sizeof(int));
  REQUIRE(::sendmsg(fa, &mh, 0) == 1);
  ::close(pp[1]);
  REQUIRE(wait_fd(fb, POLLIN));
  char c = 0;
  iovec riov{&c, 1};
  alignas(cmsghdr) char rbuf[CMSG_SPACE(4 * sizeof(int))];
  msghdr rh{};
  rh.msg_iov = &riov;
  rh.msg_iovlen = 1;
  rh.msg_control = rbuf;
  rh.msg_controllen = sizeof rbuf;
  REQUIRE(::recvmsg(fb, &rh, MSG_CMSG_CLOEXEC) == 1);
  CHECK(c == 'R');
  cmsghdr* rc = CMSG_FIRSTHDR(&rh);
  REQUIRE(rc);
  REQUIRE(rc->cmsg_type == SCM_RIGHTS);
  int got = -1;
  std::memcpy(&got, CMSG_DATA(rc), sizeof got);
  REQUIRE(::write(got, "via", 3) == 3);
  ::close(got);
  CHECK(read_n(pp[0], 3) == "via");
  // Every copy of the write end is closed now (ours, the daemon's): EOF.
  char x;
  REQUIRE(wait_fd(pp[0], POLLIN));
  CHECK(::read(pp[0], &x, 1) == 0);
  ::close(pp[0]);
  ::close(fa);
  ::close(fb);
}
