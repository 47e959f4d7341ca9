// Local-domain seqpacket sockets: connection-oriented records.
#include "local/rig.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("local: seqpacket keeps record boundaries") {
  Rig r;
  auto [a, b] = r.pair(SOCK_SEQPACKET);
  CHECK(r.send(*a, "first") == 0);
  CHECK(r.send(*a, "") == 0);
  CHECK(r.send(*a, "third record") == 0);
  RecvArgs out;
  CHECK(r.recv(*b, 100, 0, nullptr, nullptr, &out) == "first");
  CHECK(out.flags == 0);  // Linux sets no MSG_EOR on AF_UNIX seqpacket
  CHECK(r.recv(*b, 100).empty());
  CHECK(r.recv(*b, 5, 0, nullptr, nullptr, &out) == "third");
  CHECK((out.flags & MSG_TRUNC));
  CHECK(out.full == 12);
  CHECK(b->so_rcv.sb_mb == nullptr);
  // Each record ends with M_EOR in the peer's buffer.
  CHECK(r.send(*b, "x") == 0);
  mbuf* m = a->so_rcv.sb_mb;
  REQUIRE(m);
  while (m->m_next) m = m->m_next;
  CHECK((m->m_flags & M_EOR));
}

TEST_CASE("local: seqpacket listen/connect/accept and errors") {
  Rig r;
  Socket* l = r.listener(SOCK_SEQPACKET, "/tmp/sp", 81);
  Socket* c = r.sock(SOCK_SEQPACKET);
  CHECK(r.send(*c, "x") == ENOTCONN);
  SockAddr addr = path_addr("/tmp/sp");
  CHECK(r.send(*c, "x", &addr, nullptr, 81) == ENOTCONN);
  Socket* s = r.connect_accept(*c, *l, "/tmp/sp", 81);
  CHECK(r.send(*c, "rec", &addr, nullptr, 81) == 0);  // the address is ignored (Linux)
  CHECK(r.recv(*s) == "rec");
  Socket* st = r.sock(SOCK_STREAM);
  CHECK(soconnect(*st, path_addr("/tmp/sp"), r.td(81)) == EPROTOTYPE);
  CHECK(soclose(*s) == 0);
  CHECK(r.send(*c, "x") == EPIPE);
  int e = -1;
  r.recv(*c, 10, 0, nullptr, &e);
  CHECK(e == 0);
}

TEST_CASE("local: a seqpacket record waits for room whole") {
  Rig r;
  auto [a, b] = r.pair(SOCK_SEQPACKET);
  sbreserve(b->so_rcv, 100);
  CHECK(r.send(*a, std::string(80, 'a')) == 0);
  CHECK(sosendspace(*a) == 20);
  CHECK(r.send(*a, std::string(30, 'b')) == EWOULDBLOCK);
  CHECK(r.recv(*b).size() == 80);
  CHECK(r.send(*a, std::string(30, 'b')) == 0);
}
