// SCM_RIGHTS as control mbufs: carried to the receiver ahead of their data,
// and handed to upcalls().so_dispose_rights whenever nobody will receive them.
#include "local/rig.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("local: rights travel with the first byte of their data") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*a, "plain") == 0);
  CHECK(r.send(*a, "R", nullptr, rights({10, 11})) == 0);
  CHECK(b->so_rcv.sb_cc == 6);
  // A read stops before the record that carries rights.
  mbuf* control = nullptr;
  CHECK(r.recv(*b, 100, 0, nullptr, nullptr, nullptr, &control) == "plain");
  CHECK(control == nullptr);
  CHECK(r.recv(*b, 100, 0, nullptr, nullptr, nullptr, &control) == "R");
  REQUIRE(control);
  CHECK(control->m_type == MType::Control);
  CHECK(fds_of(control) == std::vector<int>{10, 11});
  m_freem(control);
  CHECK(r.up.disposed_fds.empty());
  CHECK(b->so_rcv.sb_ctl == 0);
}

TEST_CASE("local: rights are disposed of when the receiver goes away") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*a, "R", nullptr, rights({20})) == 0);
  CHECK(soclose(*b) == 0);
  CHECK(r.up.disposed_fds == std::vector<int>{20});
  CHECK(local_stats(r.st).rights_disposed == 1);
  // Sending rights to a closed peer: disposed at once.
  CHECK(r.send(*a, "R", nullptr, rights({21})) == EPIPE);
  CHECK(r.up.disposed_fds == std::vector<int>{20, 21});
}

TEST_CASE("local: a read without room for control disposes of it") {
  Rig r;
  auto [a, b] = r.pair(SOCK_SEQPACKET);
  CHECK(r.send(*a, "rec", nullptr, rights({30, 31, 32})) == 0);
  CHECK(r.recv(*b) == "rec");
  CHECK(r.up.disposed_fds == std::vector<int>{30, 31, 32});
}

TEST_CASE("local: rights on datagrams, delivered or disposed on failure") {
  Rig r;
  Socket* rx = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*rx, abstract_addr("rx"), r.td()) == 0);
  Socket* tx = r.sock(SOCK_DGRAM);
  SockAddr to = abstract_addr("rx");
  CHECK(r.send(*tx, "d", &to, rights({40})) == 0);
  mbuf* control = nullptr;
  SockAddr from;
  CHECK(r.recv(*rx, 10, 0, &from, nullptr, nullptr, &control) == "d");
  CHECK(fds_of(control) == std::vector<int>{40});
  m_freem(control);
  SockAddr nobody = abstract_addr("nobody");
  CHECK(r.send(*tx, "d", &nobody, rights({41})) == ENOTOURS);
  CHECK(r.up.disposed_fds == std::vector<int>{41});
  // Queued, then the receiver closes: disposed.
  CHECK(r.send(*tx, "d", &to, rights({42})) == 0);
  CHECK(soclose(*rx) == 0);
  CHECK(r.up.disposed_fds == std::vector<int>{41, 42});
}

TEST_CASE("local: rights with no data on a stream are dropped as Linux does") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*a, "", nullptr, rights({50})) == 0);
  CHECK(b->so_rcv.sb_mb == nullptr);
  CHECK(r.up.disposed_fds == std::vector<int>{50});
}

TEST_CASE("local: shutdown(SHUT_RD) keeps queued rights for reading") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*a, "R", nullptr, rights({60})) == 0);
  CHECK(soshutdown(*b, SHUT_RD) == 0);
  CHECK(r.up.disposed_fds.empty());
  mbuf* control = nullptr;
  CHECK(r.recv(*b, 10, 0, nullptr, nullptr, nullptr, &control) == "R");
  CHECK(fds_of(control) == std::vector<int>{60});
  m_freem(control);
}
