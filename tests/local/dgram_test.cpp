// Local-domain datagram sockets: sendto by name, source addresses, connect
// and AF_UNSPEC, EPERM when the receiver is connected elsewhere, a vanished
// destination, the receive queue limit, shutdown, truncation.
#include "local/rig.hpp"
#include "local/unp.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("local: datagrams carry their source address") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("rx"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*tx, path_addr("/tmp/tx"), r.td(5)) == 0);
  SockAddr to = abstract_addr("rx");
  CHECK(r.send(*tx, "one", &to) == 0);
  CHECK(r.send(*tx, "two", &to) == 0);
  SockAddr from;
  CHECK(r.recv(*rx, 100, 0, &from) == "one");
  CHECK(name_text(from) == std::string("/tmp/tx") + '\0');
  CHECK(r.recv(*rx, 100, 0, &from) == "two");
  int e = 0;
  r.recv(*rx, 100, 0, nullptr, &e);
  CHECK(e == EWOULDBLOCK);
}

TEST_CASE("local: an unbound sender shows no address - SO_PASSCRED autobinds it") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("rx"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  SockAddr to = abstract_addr("rx");
  CHECK(r.send(*tx, "anon", &to) == 0);
  SockAddr from = abstract_addr("garbage");
  CHECK(r.recv(*rx, 100, 0, &from) == "anon");
  CHECK(from.len == 0);  // Linux: recvfrom's addrlen 0
  int one = 1;
  Sockopt o;
  o.sopt_dir = SOPT_SET;
  o.sopt_level = SOL_SOCKET;
  o.sopt_name = SO_PASSCRED;
  o.sopt_val = &one;
  o.sopt_valsize = sizeof one;
  REQUIRE(sosetopt(*tx, o) == 0);
  CHECK(r.send(*tx, "named", &to) == 0);
  CHECK(r.recv(*rx, 100, 0, &from) == "named");
  CHECK(from.len == offsetof(sockaddr_un, sun_path) + 6);
  SockAddr mine;
  CHECK(sogetsockname(*tx, &mine) == 0);
  CHECK(name_text(mine) == name_text(from));
}

TEST_CASE("local: a receiver with SO_PASSCRED gets the sender's credentials before its rights") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("rx"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  SockAddr to = abstract_addr("rx");
  mbuf* control = nullptr;
  CHECK(r.send(*tx, "plain", &to) == 0);  // SO_PASSCRED not set yet: nothing
  CHECK(r.recv(*rx, 100, 0, nullptr, nullptr, nullptr, &control) == "plain");
  CHECK(control == nullptr);
  int one = 1;
  Sockopt o;
  o.sopt_dir = SOPT_SET;
  o.sopt_level = SOL_SOCKET;
  o.sopt_name = SO_PASSCRED;
  o.sopt_val = &one;
  o.sopt_valsize = sizeof one;
  REQUIRE(sosetopt(*rx, o) == 0);
  CHECK(r.send(*tx, "cred", &to, rights({5, 6})) == 0);  // the sender has no SO_PASSCRED
  CHECK(r.recv(*rx, 100, 0, nullptr, nullptr, nullptr, &control) == "cred");
  REQUIRE(control);
  cmsghdr cm;
  std::memcpy(&cm, control->m_data, sizeof cm);
  CHECK(cm.cmsg_level == SOL_SOCKET);
  CHECK(cm.cmsg_type == SCM_CREDENTIALS);
  CHECK(cm.cmsg_len == CMSG_LEN(sizeof(ucred)));
  ucred uc;
  std::memcpy(&uc, control->m_data + CMSG_LEN(0), sizeof uc);
  CHECK(uc.pid == r.cred.pid);
  CHECK(uc.uid == r.cred.uid);
  CHECK(uc.gid == r.cred.gid);
  REQUIRE(control->m_next);
  CHECK(fds_of(control->m_next) == std::vector<int>{5, 6});
  m_freem(control);
  // Unreceived: the rights are disposed of, the credentials are not rights.
  CHECK(r.send(*tx, "gone", &to, rights({7})) == 0);
  CHECK(soclose(*rx) == 0);
  CHECK(r.up.disposed_fds == std::vector<int>{7});
}

TEST_CASE("local: datagram send errors") {
  Rig r;
  Socket* tx = r.sock(SOCK_DGRAM);
  CHECK(r.send(*tx, "x") == ENOTCONN);  // Linux: not EDESTADDRREQ
  SockAddr nobody = abstract_addr("nobody");
  CHECK(r.send(*tx, "x", &nobody) == ENOTOURS);
  SockAddr p = path_addr("/tmp/none");
  CHECK(r.send(*tx, "x", &p, nullptr, 77) == ENOTOURS);
  Socket* st = r.listener(SOCK_STREAM, "/tmp/st", 78);
  (void)st;
  SockAddr sp = path_addr("/tmp/st");
  CHECK(r.send(*tx, "x", &sp, nullptr, 78) == EPROTOTYPE);
  SockAddr bad = family_only(AF_UNIX);
  CHECK(r.send(*tx, "x", &bad) == EINVAL);
  SockAddr rxn = abstract_addr("rx");
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, rxn, r.td()) == 0);
  CHECK(r.send(*tx, "x", &rxn, nullptr, 0, MSG_OOB) == EOPNOTSUPP);
  CHECK(soshutdown(*rx, SHUT_RD) == 0);
  CHECK(r.send(*tx, "x", &rxn) == EPIPE);
  CHECK(soshutdown(*tx, SHUT_WR) == 0);
  CHECK(r.send(*tx, "x") == ENOTCONN);  // no peer first, as Linux
  CHECK(r.send(*tx, "x", &rxn) == EPIPE);
}

TEST_CASE("local: datagram connect, send, AF_UNSPEC disconnect") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("rx"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  CHECK(soconnect(*tx, abstract_addr("rx"), r.td()) == 0);
  CHECK((tx->so_state & SS_ISCONNECTED));
  SockAddr peer;
  CHECK(sogetpeername(*tx, &peer) == 0);
  CHECK(name_text(peer) == name_text(abstract_addr("rx")));
  CHECK(r.send(*tx, "via connect") == 0);
  CHECK(r.recv(*rx) == "via connect");
  // Connected, a datagram may still go elsewhere with an address.
  Socket* other = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*other, abstract_addr("other"), r.td()) == 0);
  SockAddr on = abstract_addr("other");
  CHECK(r.send(*tx, "elsewhere", &on) == 0);
  CHECK(r.recv(*other) == "elsewhere");
  CHECK(soconnect(*tx, family_only(AF_UNSPEC), r.td()) == 0);
  CHECK(!(tx->so_state & SS_ISCONNECTED));
  CHECK(sogetpeername(*tx, &peer) == ENOTCONN);
  CHECK(r.send(*tx, "x") == ENOTCONN);
  CHECK(soconnect(*tx, family_only(AF_UNSPEC), r.td()) == 0);  // again: still fine
  SockAddr tiny;
  tiny.len = 1;
  CHECK(soconnect(*tx, tiny, r.td()) == EINVAL);
}

TEST_CASE("local: a receiver connected elsewhere refuses others with EPERM") {
  Rig r;
  Socket* a = r.sock(SOCK_DGRAM);
  Socket* b = r.sock(SOCK_DGRAM);
  Socket* c = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*a, abstract_addr("a"), r.td()) == 0);
  REQUIRE(sobind(*b, abstract_addr("b"), r.td()) == 0);
  REQUIRE(soconnect(*b, abstract_addr("a"), r.td()) == 0);  // b talks only to a
  SockAddr bn = abstract_addr("b");
  CHECK(r.send(*c, "x", &bn) == EPERM);
  CHECK(soconnect(*c, bn, r.td()) == EPERM);
  CHECK(r.send(*a, "from a", &bn) == 0);  // a may
  CHECK(r.recv(*b) == "from a");
}

TEST_CASE("local: a vanished destination: ECONNREFUSED once, then ENOTCONN") {
  Rig r;
  auto [a, b] = r.pair(SOCK_DGRAM);
  CHECK(r.send(*a, "x") == 0);
  CHECK(soclose(*b) == 0);
  SockAddr peer;
  CHECK(sogetpeername(*a, &peer) == 0);
  CHECK(r.send(*a, "x") == ECONNREFUSED);
  CHECK(!(a->so_state & SS_ISCONNECTED));
  CHECK(r.send(*a, "x") == ENOTCONN);
  // A connected (not paired) sender sees the same.
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("gone"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  REQUIRE(soconnect(*tx, abstract_addr("gone"), r.td()) == 0);
  CHECK(soclose(*rx) == 0);
  CHECK(r.send(*tx, "x") == ECONNREFUSED);
  SockAddr gone = abstract_addr("gone");
  CHECK(r.send(*tx, "x", &gone) == ENOTOURS);  // the name went with it
}

TEST_CASE("local: a datagram receiver holds max_dgram_qlen + 1 from strangers") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("q"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  SockAddr to = abstract_addr("q");
  int sent = 0;
  while (sent < 100 && r.send(*tx, "d", &to) == 0) ++sent;
  CHECK(sent == kUnpMaxDgramQlen + 1);
  CHECK(r.send(*tx, "d", &to) == EAGAIN);
  REQUIRE(soconnect(*tx, to, r.td()) == 0);
  CHECK(sosendspace(*tx) == 0);
  CHECK(r.send(*tx, "d") == EWOULDBLOCK);
  int w = r.up.writable;
  r.recv(*rx);
  CHECK(r.up.writable > w);  // the connected sender is woken
  CHECK(sosendspace(*tx) > 0);
  CHECK(r.send(*tx, "d") == 0);
  // A pair has no such limit.
  auto [a, b] = r.pair(SOCK_DGRAM);
  for (int i = 0; i < 30; ++i) REQUIRE(r.send(*a, "p") == 0);
  (void)b;
}

TEST_CASE("local: datagram truncation and empty datagrams") {
  Rig r;
  auto [a, b] = r.pair(SOCK_DGRAM);
  CHECK(r.send(*a, "0123456789") == 0);
  CHECK(r.send(*a, "") == 0);
  CHECK(r.send(*a, "after") == 0);
  RecvArgs out;
  CHECK(r.recv(*b, 4, MSG_PEEK, nullptr, nullptr, &out) == "0123");
  CHECK((out.flags & MSG_TRUNC));
  CHECK(out.full == 10);
  CHECK(r.recv(*b, 4, 0, nullptr, nullptr, &out) == "0123");
  CHECK((out.flags & MSG_TRUNC));
  CHECK(r.recv(*b, 100, 0, nullptr, nullptr, &out).empty());  // the empty one
  CHECK(out.flags == 0);
  CHECK(r.recv(*b) == "after");
  CHECK(b->so_rcv.sb_mb == nullptr);
  CHECK(b->so_rcv.sb_cc == 0);
  CHECK(b->so_rcv.sb_ctl == 0);
}

TEST_CASE("local: a datagram larger than the send buffer is EMSGSIZE") {
  Rig r;
  auto [a, b] = r.pair(SOCK_DGRAM);
  int v = 1024;
  Sockopt o;
  o.sopt_dir = SOPT_SET;
  o.sopt_level = SOL_SOCKET;
  o.sopt_name = SO_SNDBUF;
  o.sopt_val = &v;
  o.sopt_valsize = sizeof v;
  REQUIRE(sosetopt(*a, o) == 0);
  CHECK(r.send(*a, std::string(size_t(kSockMinSndBuf) + 1, 'x')) == EMSGSIZE);
  CHECK(b->so_rcv.sb_cc == 0);
}

TEST_CASE("local: reconnecting a datagram socket drops what it had queued") {
  Rig r;
  auto [a, b] = r.pair(SOCK_DGRAM);
  CHECK(r.send(*b, "stale") == 0);
  Socket* c = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*c, abstract_addr("c"), r.td()) == 0);
  CHECK(soconnect(*a, abstract_addr("c"), r.td()) == 0);
  CHECK(a->so_rcv.sb_cc == 0);  // Linux unix_dgram_disconnected
  CHECK(b->so_error == ECONNRESET);
}

TEST_CASE("local: a datagram must fit the send buffer less 32 bytes") {
  Rig r;
  auto [a, b] = r.pair(SOCK_DGRAM);
  const size_t limit = a->so_snd.sb_hiwat - 32;
  CHECK(r.send(*a, std::string(limit + 1, 'x')) == EMSGSIZE);
  CHECK(r.send(*a, std::string(limit, 'x')) == 0);
  CHECK(b->so_rcv.sb_cc == limit);
}

TEST_CASE("local: a datagram to a closed pathname socket is ECONNREFUSED") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, path_addr("/tmp/rx"), r.td(300)) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  SockAddr to = path_addr("/tmp/rx");
  CHECK(r.send(*tx, "x", &to, nullptr, 300) == 0);
  CHECK(soclose(*rx) == 0);
  CHECK(r.send(*tx, "x", &to, nullptr, 300) == ECONNREFUSED);
  // Rebound (a new socket file that got the same inode): delivered again.
  Socket* rx2 = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx2, path_addr("/tmp/rx"), r.td(300)) == 0);
  CHECK(r.send(*tx, "y", &to, nullptr, 300) == 0);
  CHECK(r.recv(*rx2) == "y");
}

TEST_CASE("local: closed names are remembered within a bound") {
  Rig r;
  for (uint64_t ino = 1000; ino < 1000 + kUnpDeadNames + 1; ++ino) {
    Socket* s = r.sock(SOCK_DGRAM);
    REQUIRE(sobind(*s, path_addr("/tmp/many"), r.td(ino)) == 0);
    REQUIRE(soclose(*s) == 0);
  }
  Socket* tx = r.sock(SOCK_DGRAM);
  SockAddr to = path_addr("/tmp/many");
  CHECK(r.send(*tx, "x", &to, nullptr, 1000) == ENOTOURS);  // the oldest is forgotten
  CHECK(r.send(*tx, "x", &to, nullptr, 1001) == ECONNREFUSED);
}

TEST_CASE("local: an unconnected sender told EAGAIN is woken when the receiver reads") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("full"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  SockAddr to = abstract_addr("full");
  while (r.send(*tx, "d", &to) == 0) {
  }
  struct Watch : Recorder {
    Socket* who = nullptr;
    int woken = 0;
    void so_writable(Socket& so) override { woken += &so == who; }
  } w;
  w.who = tx;
  r.st.set_upcalls(&w);
  r.recv(*rx);
  CHECK(w.woken == 1);
  r.recv(*rx);
  CHECK(w.woken == 1);  // once per EAGAIN
  CHECK(r.send(*tx, "d", &to) == 0);
  r.st.set_upcalls(&r.up);
}
