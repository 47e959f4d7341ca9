// The local name space: pathname names by inode, abstract names per type,
// autobind, and the lengths getsockname reports (Linux).
#include "local/rig.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("local: getsockname of an unbound socket is the bare family") {
  Rig r;
  Socket* s = r.sock(SOCK_STREAM);
  SockAddr a;
  CHECK(sogetsockname(*s, &a) == 0);
  CHECK(a.len == sizeof(sa_family_t));
  CHECK(a.family() == AF_UNIX);
  CHECK(sogetpeername(*s, &a) == ENOTCONN);
}

TEST_CASE("local: pathname bind: length counts the NUL - inode held once") {
  Rig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(sobind(*s, path_addr("/tmp/name"), r.td(5)) == 0);
  CHECK((s->so_state & SS_ISBOUND));
  SockAddr a;
  CHECK(sogetsockname(*s, &a) == 0);
  CHECK(a.len == offsetof(sockaddr_un, sun_path) + 10);
  CHECK(name_text(a) == std::string("/tmp/name") + '\0');
  // The caller's length may include NULs after the path: the name stops at the first.
  SockAddr padded = path_addr("/tmp/pad");
  padded.len += 4;
  Socket* p = r.sock(SOCK_DGRAM);
  CHECK(sobind(*p, padded, r.td(6)) == 0);
  CHECK(sogetsockname(*p, &a) == 0);
  CHECK(a.len == offsetof(sockaddr_un, sun_path) + 9);
  Socket* t = r.sock(SOCK_DGRAM);
  CHECK(sobind(*s, path_addr("/tmp/other"), r.td(7)) == EINVAL);    // bound already
  CHECK(sobind(*t, path_addr("/tmp/novnode"), r.td()) == EINVAL);   // no inode from the shim
}

TEST_CASE("local: bind validates the address as Linux") {
  Rig r;
  Socket* s = r.sock(SOCK_STREAM);
  SockAddr inet = path_addr("/tmp/x");
  inet.ss.ss_family = AF_INET;
  CHECK(sobind(*s, inet, r.td(9)) == EINVAL);
  SockAddr empty;
  CHECK(sobind(*s, empty, r.td(9)) == EINVAL);
  SockAddr big = path_addr("/tmp/x");
  big.len = sizeof(sockaddr_un) + 1;
  CHECK(sobind(*s, big, r.td(9)) == EINVAL);
  CHECK(sobind(*s, family_only(AF_INET), r.td()) == EINVAL);
  CHECK(s->so_state == 0);
}

TEST_CASE("local: abstract names: exact length, in use per type") {
  Rig r;
  Socket* s = r.sock(SOCK_STREAM);
  SockAddr n = abstract_addr("svc");
  CHECK(sobind(*s, n, r.td()) == 0);
  SockAddr a;
  CHECK(sogetsockname(*s, &a) == 0);
  CHECK(a.len == n.len);
  CHECK(name_text(a) == std::string("\0svc", 4));
  Socket* s2 = r.sock(SOCK_STREAM);
  CHECK(sobind(*s2, n, r.td()) == EADDRINUSE);
  Socket* d = r.sock(SOCK_DGRAM);
  CHECK(sobind(*d, n, r.td()) == 0);  // Linux: each type its own abstract space
  CHECK(sobind(*s2, abstract_addr("svc2"), r.td()) == 0);
  CHECK(soclose(*s) == 0);
  CHECK(sobind(*r.sock(SOCK_STREAM), n, r.td()) == 0);  // freed by close
}

TEST_CASE("local: autobind gives five hex digits in the abstract space") {
  Rig r;
  Socket* s = r.sock(SOCK_DGRAM);
  CHECK(sobind(*s, family_only(AF_UNIX), r.td()) == 0);
  CHECK((s->so_state & SS_ISBOUND));
  SockAddr a;
  CHECK(sogetsockname(*s, &a) == 0);
  REQUIRE(a.len == offsetof(sockaddr_un, sun_path) + 6);
  std::string name = name_text(a);
  CHECK(name[0] == '\0');
  for (size_t i = 1; i < 6; ++i) CHECK(std::isxdigit(static_cast<unsigned char>(name[i])));
  CHECK(name.find_first_of("ABCDEF") == std::string::npos);
  CHECK(sobind(*s, family_only(AF_UNIX), r.td()) == 0);  // bound already: fine, same name
  SockAddr b;
  CHECK(sogetsockname(*s, &b) == 0);
  CHECK(name_text(b) == name);
  CHECK(sobind(*s, abstract_addr("late"), r.td()) == EINVAL);
  // Others can reach the autobound name.
  Socket* t = r.sock(SOCK_DGRAM);
  CHECK(r.send(*t, "hi", &a) == 0);
  CHECK(r.recv(*s) == "hi");
  // Two autobinds never collide.
  Socket* u = r.sock(SOCK_DGRAM);
  CHECK(sobind(*u, family_only(AF_UNIX), r.td()) == 0);
  CHECK(sogetsockname(*u, &b) == 0);
  CHECK(name_text(b) != name);
}

TEST_CASE("local: a closed socket's pathname refuses - a new bind revives it") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/gone", 90);
  CHECK(soclose(*l) == 0);
  Socket* c = r.sock(SOCK_STREAM);
  // The socket file is left behind with nobody bound: Linux's ECONNREFUSED,
  // without falling through to the host kernel.
  CHECK(soconnect(*c, path_addr("/tmp/gone"), r.td(90)) == ECONNREFUSED);
  CHECK(soconnect(*c, path_addr("/tmp/never"), r.td(91)) == ENOTOURS);
  // The inode may be bound again (the shim made a new socket file).
  Socket* l2 = r.listener(SOCK_STREAM, "/tmp/gone", 90);
  CHECK(soconnect(*c, path_addr("/tmp/gone"), r.td(90)) == 0);
  (void)l2;
  CHECK(local_stats(r.st).not_ours == 1);
}

TEST_CASE("local: socket() errnos as Linux") {
  Rig r;
  Socket* so = nullptr;
  CHECK(socreate(r.st, AF_UNIX, &so, SOCK_STREAM, PF_UNIX, r.td()) == 0);  // PF_UNIX is the default
  REQUIRE(so);
  CHECK(socreate(r.st, AF_UNIX, &so, SOCK_STREAM, 2, r.td()) == EPROTONOSUPPORT);
  CHECK(so == nullptr);
  CHECK(socreate(r.st, AF_UNIX, &so, 7, 2, r.td()) == EPROTONOSUPPORT);  // protocol first
  CHECK(socreate(r.st, AF_UNIX, &so, SOCK_RDM, 0, r.td()) == ESOCKTNOSUPPORT);
  CHECK(socreate(r.st, AF_UNIX, &so, 11, 0, r.td()) == EINVAL);
  CHECK(socreate(r.st, AF_UNIX, &so, SOCK_STREAM | 0x100000, 0, r.td()) == EINVAL);
  CHECK(socreate(r.st, 99, &so, SOCK_STREAM, 0, r.td()) == EAFNOSUPPORT);
  CHECK(socreate(r.st, AF_APPLETALK, &so, SOCK_STREAM, 0, r.td()) == EAFNOSUPPORT);
  CHECK(socreate(r.st, AF_UNIX, &so, SOCK_RAW, 0, r.td()) == 0);  // Linux: SOCK_RAW is SOCK_DGRAM
  REQUIRE(so);
  CHECK(so->so_type == SOCK_DGRAM);
  CHECK(socreate(r.st, AF_UNIX, &so, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, r.td()) == 0);
  CHECK(so->so_type == SOCK_STREAM);
}

TEST_CASE("local: a new socket file on a recycled inode number is a new name") {
  // The old socket's file was unlinked and mknod gave the next one the same
  // inode number: the bind succeeds, connects reach the new socket, the old
  // one keeps its name for getsockname and its established connections.
  Rig r;
  Socket* old = r.listener(SOCK_STREAM, "/tmp/a", 5);
  Socket* c0 = r.sock(SOCK_STREAM);
  Socket* s0 = r.connect_accept(*c0, *old, "/tmp/a", 5);
  Socket* t = r.sock(SOCK_DGRAM);
  CHECK(sobind(*t, path_addr("/tmp/n0"), r.td(5)) == 0);  // any type
  SockAddr to = path_addr("/tmp/n0");
  CHECK(r.send(*r.sock(SOCK_DGRAM), "hi", &to, nullptr, 5) == 0);
  CHECK(r.recv(*t) == "hi");
  CHECK(soclose(*t) == 0);  // the number is free again, its file still there
  Socket* fresh = r.listener(SOCK_STREAM, "/tmp/a", 5);
  Socket* c2 = r.sock(SOCK_STREAM);
  r.connect_accept(*c2, *fresh, "/tmp/a", 5);
  CHECK(soaccept_check(*old) == EWOULDBLOCK);
  SockAddr a;
  CHECK(sogetsockname(*old, &a) == 0);
  CHECK(name_text(a) == std::string("/tmp/a") + '\0');
  CHECK(r.send(*c0, "still") == 0);
  CHECK(r.recv(*s0) == "still");
  // Closing the old listener does not take the new socket's name away.
  CHECK(soclose(*old) == 0);
  CHECK(soconnect(*r.sock(SOCK_STREAM), path_addr("/tmp/a"), r.td(5)) == 0);
}
