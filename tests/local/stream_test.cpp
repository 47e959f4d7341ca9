// Local-domain stream sockets through the socket layer: socketpair,
// listen/connect/accept by pathname inode, backlog, EOF/EPIPE/ECONNRESET,
// shutdown mirroring, peer credentials, names, back-pressure.
#include "local/rig.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("local: stream socketpair carries bytes both ways") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK((a->so_state & SS_ISCONNECTED));
  CHECK(r.send(*a, "hello") == 0);
  CHECK(r.send(*a, " world") == 0);
  CHECK(b->so_rcv.sb_cc == 11);
  CHECK(r.recv(*b, 5) == "hello");
  CHECK(r.recv(*b) == " world");
  CHECK(r.send(*b, "back") == 0);
  CHECK(r.recv(*a) == "back");
  int e = 0;
  CHECK(r.recv(*a, 10, 0, nullptr, &e).empty());
  CHECK(e == EWOULDBLOCK);
}

TEST_CASE("local: stream send space is the peer's receive space") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(sosendspace(*a) == long(b->so_rcv.sb_hiwat));
  CHECK(r.send(*a, std::string(1000, 'x')) == 0);
  CHECK(sosendspace(*a) == long(b->so_rcv.sb_hiwat) - 1000);
  // Fill b's buffer: a's next send waits.
  int wakeups = r.up.writable;
  sbreserve(b->so_rcv, 1000);
  CHECK(sosendspace(*a) == 0);
  CHECK(r.send(*a, "more") == EWOULDBLOCK);
  CHECK(r.recv(*b, 400).size() == 400);
  CHECK(r.up.writable > wakeups);  // pru_rcvd woke the writer
  CHECK(sosendspace(*a) == 400);
  CHECK(r.send(*a, "more") == 0);
}

TEST_CASE("local: stream reads EOF after the peer closes, writes EPIPE") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*a, "last words") == 0);
  CHECK(soclose(*a) == 0);
  CHECK((b->so_rcv.sb_state & SBS_CANTRCVMORE));
  CHECK((b->so_snd.sb_state & SBS_CANTSENDMORE));
  CHECK(r.recv(*b) == "last words");
  int e = -1;
  CHECK(r.recv(*b, 10, 0, nullptr, &e).empty());
  CHECK(e == 0);  // EOF
  CHECK(r.send(*b, "x") == EPIPE);
  SockAddr peer;
  CHECK(sogetpeername(*b, &peer) == 0);  // Linux still answers the old peer's name
  CHECK(peer.len == sizeof(sa_family_t));
}

TEST_CASE("local: closing with unread data resets the peer") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*b, "unread") == 0);
  CHECK(soclose(*a) == 0);
  int e = 0;
  r.recv(*b, 10, 0, nullptr, &e);
  CHECK(e == ECONNRESET);
  r.recv(*b, 10, 0, nullptr, &e);
  CHECK(e == 0);  // then EOF
  CHECK(r.send(*b, "x") == EPIPE);
}

TEST_CASE("local: shutdown is mirrored onto the peer") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(soshutdown(*a, 7) == EINVAL);
  CHECK(r.send(*b, "queued") == 0);
  CHECK(soshutdown(*a, SHUT_WR) == 0);
  CHECK((b->so_rcv.sb_state & SBS_CANTRCVMORE));
  CHECK(r.send(*a, "x") == EPIPE);
  CHECK(r.send(*b, "still") == 0);  // b may still write
  // SHUT_RD: a's queued data stays readable (Linux), b can send no more.
  CHECK(soshutdown(*a, SHUT_RD) == 0);
  CHECK((b->so_snd.sb_state & SBS_CANTSENDMORE));
  CHECK(r.send(*b, "x") == EPIPE);
  CHECK(r.recv(*a) == "queuedstill");
  int e = -1;
  r.recv(*a, 10, 0, nullptr, &e);
  CHECK(e == 0);
}

TEST_CASE("local: shutdown of an unconnected socket succeeds as on Linux") {
  Rig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(soshutdown(*s, SHUT_RDWR) == 0);
  // Unconnected wins over shut down: ENOTCONN, not EPIPE.
  CHECK(r.send(*s, "x") == ENOTCONN);
}

TEST_CASE("local: listen, connect and accept by pathname") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/srv", 11);
  int before = r.up.readable;
  Socket* c = r.sock(SOCK_STREAM);
  CHECK(soaccept_check(*l) == EWOULDBLOCK);
  CHECK(soconnect(*c, path_addr("/tmp/srv"), r.td(11)) == 0);
  CHECK((c->so_state & SS_ISCONNECTED));
  CHECK(l->so_qlen == 1);
  CHECK(r.up.readable > before);
  CHECK(soreadable(*l));
  // Data written before accept waits in the new socket.
  CHECK(r.send(*c, "early") == 0);
  Socket* s = soaccept_dequeue(*l);
  REQUIRE(s);
  CHECK(l->so_qlen == 0);
  SockAddr peer;
  CHECK(soaccept(*s, &peer) == 0);
  CHECK(peer.len == sizeof(sa_family_t));  // the client is unnamed
  CHECK(peer.family() == AF_UNIX);
  CHECK(r.recv(*s) == "early");
  SockAddr name;
  CHECK(sogetsockname(*s, &name) == 0);  // Linux: the listener's name
  CHECK(name_text(name) == std::string("/tmp/srv") + '\0');
  CHECK(name.len == offsetof(sockaddr_un, sun_path) + 9);
  CHECK(sogetpeername(*c, &name) == 0);
  CHECK(name_text(name) == std::string("/tmp/srv") + '\0');
  CHECK(sogetsockname(*c, &name) == 0);
  CHECK(name.len == sizeof(sa_family_t));
  CHECK(soconnect(*c, path_addr("/tmp/srv"), r.td(11)) == EISCONN);
}

TEST_CASE("local: connect errors as Linux") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/l", 21);
  Socket* bound = r.sock(SOCK_STREAM);
  REQUIRE(sobind(*bound, path_addr("/tmp/b"), r.td(22)) == 0);
  Socket* dg = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*dg, path_addr("/tmp/d"), r.td(23)) == 0);
  Socket* c = r.sock(SOCK_STREAM);
  CHECK(soconnect(*c, path_addr("/tmp/b"), r.td(22)) == ECONNREFUSED);  // nobody listens
  CHECK(soconnect(*c, path_addr("/tmp/x"), r.td(99)) == ENOTOURS);      // the host may hold it
  CHECK(soconnect(*c, path_addr("/tmp/d"), r.td(23)) == EPROTOTYPE);    // another type
  CHECK(soconnect(*c, family_only(AF_UNIX), r.td()) == EINVAL);
  CHECK(soconnect(*c, family_only(AF_UNSPEC), r.td()) == EINVAL);
  SockAddr inet = path_addr("/tmp/l");
  inet.ss.ss_family = AF_INET;
  CHECK(soconnect(*c, inet, r.td(21)) == EINVAL);
  CHECK(soconnect(*l, path_addr("/tmp/l"), r.td(21)) == EINVAL);  // a listener cannot connect
  CHECK(soconnect(*c, abstract_addr("nobody"), r.td()) == ENOTOURS);
  CHECK(c->so_state == 0);
}

TEST_CASE("local: listen needs a name and a connection type") {
  Rig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(solisten(*s, 5, r.td()) == EINVAL);
  Socket* d = r.sock(SOCK_DGRAM);
  REQUIRE(sobind(*d, abstract_addr("dg"), r.td()) == 0);
  CHECK(solisten(*d, 5, r.td()) == EOPNOTSUPP);
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(solisten(*a, 5, r.td()) == EINVAL);
  (void)b;
}

TEST_CASE("local: a full backlog answers EAGAIN (so_qlen > so_qlimit)") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/q", 31, 0);
  CHECK(l->so_qlimit == 0);
  Socket* c1 = r.sock(SOCK_STREAM);
  Socket* c2 = r.sock(SOCK_STREAM);
  CHECK(soconnect(*c1, path_addr("/tmp/q"), r.td(31)) == 0);  // backlog 0 still takes one
  CHECK(soconnect(*c2, path_addr("/tmp/q"), r.td(31)) == EAGAIN);
  CHECK(c2->so_state == 0);
  CHECK(r.st.sostat().listen_overflows == 1);
  // listen again with a bigger backlog: room now.
  CHECK(solisten(*l, 1, r.td()) == 0);
  CHECK(soconnect(*c2, path_addr("/tmp/q"), r.td(31)) == 0);
  CHECK(l->so_qlen == 2);
  Socket* c3 = r.sock(SOCK_STREAM);
  CHECK(soconnect(*c3, path_addr("/tmp/q"), r.td(31)) == EAGAIN);
  Socket* s = soaccept_dequeue(*l);
  REQUIRE(s);
  CHECK(soaccept(*s, nullptr) == 0);
  CHECK(soconnect(*c3, path_addr("/tmp/q"), r.td(31)) == 0);
}

TEST_CASE("local: backlog clamps to somaxconn - negative means the maximum") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/m", 32, -1);
  CHECK(l->so_qlimit == 4096);
  CHECK(solisten(*l, 100000, r.td()) == 0);
  CHECK(l->so_qlimit == 4096);
  r.st.sysctl().somaxconn = 16;
  CHECK(solisten(*l, 100, r.td()) == 0);
  CHECK(l->so_qlimit == 16);
}

TEST_CASE("local: closing a listener resets connections nobody accepted") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/r", 41);
  Socket* c = r.sock(SOCK_STREAM);
  REQUIRE(soconnect(*c, path_addr("/tmp/r"), r.td(41)) == 0);
  const size_t n = r.st.sockets().size();
  CHECK(soclose(*l) == 0);
  CHECK(r.st.sockets().size() == n - 2);  // the listener and its queued connection
  CHECK((c->so_rcv.sb_state & SBS_CANTRCVMORE));
  CHECK(r.send(*c, "x") == EPIPE);
  int e = 0;
  r.recv(*c, 10, 0, nullptr, &e);
  CHECK(e == ECONNRESET);
  // Nobody is bound to the socket file any more.
  Socket* c2 = r.sock(SOCK_STREAM);
  CHECK(soconnect(*c2, path_addr("/tmp/r"), r.td(41)) == ECONNREFUSED);
}

TEST_CASE("local: a listener shut down for reading refuses connections") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/s", 51);
  CHECK(soshutdown(*l, SHUT_RD) == 0);
  Socket* c = r.sock(SOCK_STREAM);
  CHECK(soconnect(*c, path_addr("/tmp/s"), r.td(51)) == ECONNREFUSED);
}

TEST_CASE("local: SO_PEERCRED is the peer's credentials at connect/listen time") {
  Rig r;
  r.cred = {100, 1, 2};
  Socket* l = r.listener(SOCK_STREAM, "/tmp/p", 61);  // listen as pid 100
  r.cred = {200, 3, 4};
  Socket* c = r.sock(SOCK_STREAM);
  Socket* s = r.connect_accept(*c, *l, "/tmp/p", 61);  // connect as pid 200
  auto peercred = [](Socket& so) {
    ucred uc{};
    Sockopt o;
    o.sopt_level = SOL_SOCKET;
    o.sopt_name = SO_PEERCRED;
    o.sopt_val = &uc;
    o.sopt_valsize = sizeof uc;
    REQUIRE(sogetopt(so, o) == 0);
    CHECK(o.sopt_valsize == sizeof uc);
    return uc;
  };
  ucred cu = peercred(*c);
  CHECK(cu.pid == 100);
  CHECK(cu.uid == 1);
  CHECK(cu.gid == 2);
  ucred su = peercred(*s);
  CHECK(su.pid == 200);
  CHECK(su.uid == 3);
  ucred lu = peercred(*l);  // a listener answers its own (Linux)
  CHECK(lu.pid == 100);
  Socket* lone = r.sock(SOCK_STREAM);
  ucred nu = peercred(*lone);
  CHECK(nu.pid == 0);
  CHECK(nu.uid == uint32_t(-1));
  CHECK(nu.gid == uint32_t(-1));
  auto [p1, p2] = r.pair(SOCK_STREAM);
  CHECK(peercred(*p1).pid == 200);
  CHECK(peercred(*p2).uid == 3);
}

TEST_CASE("local: stream sendto with an address: EOPNOTSUPP, EISCONN when connected") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  SockAddr to = abstract_addr("x");
  CHECK(r.send(*a, "x", &to) == EISCONN);
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(r.send(*s, "x", &to) == EOPNOTSUPP);
  CHECK(b->so_rcv.sb_cc == 0);
}

TEST_CASE("local: MSG_OOB is refused on local sockets") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*a, "x", nullptr, nullptr, 0, MSG_OOB) == EOPNOTSUPP);
  CHECK(b->so_rcv.sb_cc == 0);
}

TEST_CASE("local: MSG_PEEK and MSG_WAITALL on a stream") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  CHECK(r.send(*a, "abcdef") == 0);
  CHECK(r.recv(*b, 3, MSG_PEEK) == "abc");
  CHECK(b->so_rcv.sb_cc == 6);
  int e = 0;
  CHECK(r.recv(*b, 10, MSG_WAITALL, nullptr, &e).empty());
  CHECK(e == EWOULDBLOCK);
  CHECK(b->so_rcv.sb_cc == 6);
  CHECK(r.recv(*b, 10, MSG_WAITALL | MSG_DONTWAIT) == "abcdef");
  CHECK(r.send(*a, "0123456789") == 0);
  CHECK(r.recv(*b, 10, MSG_WAITALL) == "0123456789");
  CHECK(r.send(*a, "tail") == 0);
  CHECK(soshutdown(*a, SHUT_WR) == 0);
  CHECK(r.recv(*b, 10, MSG_WAITALL) == "tail");  // EOF ends the wait
}

TEST_CASE("local: closing everything frees every socket and mbuf") {
  mbuf_drain_thread_cache();
  const uint64_t before = mbuf_stats().mbufs_in_use;
  {
    Rig r;
    Socket* l = r.listener(SOCK_STREAM, "/tmp/f", 71);
    Socket* c = r.sock(SOCK_STREAM);
    REQUIRE(soconnect(*c, path_addr("/tmp/f"), r.td(71)) == 0);
    REQUIRE(r.send(*c, std::string(5000, 'z')) == 0);
    auto [a, b] = r.pair(SOCK_STREAM);
    REQUIRE(r.send(*a, "pending") == 0);
    (void)b;
    (void)l;
    CHECK(r.st.sockets().size() == 5);
  }  // ~Stack closes them all
  CHECK(mbuf_stats().mbufs_in_use == before);
}

TEST_CASE("local: a connector told EAGAIN is woken when the backlog has room") {
  Rig r;
  Socket* l = r.listener(SOCK_STREAM, "/tmp/w", 33, 0);
  Socket* c1 = r.sock(SOCK_STREAM);
  Socket* c2 = r.sock(SOCK_STREAM);
  REQUIRE(soconnect(*c1, path_addr("/tmp/w"), r.td(33)) == 0);
  REQUIRE(soconnect(*c2, path_addr("/tmp/w"), r.td(33)) == EAGAIN);
  struct Watch : Recorder {
    Socket* who = nullptr;
    int woken = 0;
    void so_writable(Socket& so) override { woken += &so == who; }
  } w;
  w.who = c2;
  r.st.set_upcalls(&w);
  Socket* s = soaccept_dequeue(*l);
  REQUIRE(s);
  CHECK(w.woken == 0);  // still counted until accepted
  CHECK(soaccept(*s, nullptr) == 0);
  CHECK(w.woken == 1);
  CHECK(soconnect(*c2, path_addr("/tmp/w"), r.td(33)) == 0);
  r.st.set_upcalls(&r.up);
}

TEST_CASE("local: data the application left unread (so_rcv_unread) resets the peer too") {
  Rig r;
  auto [a, b] = r.pair(SOCK_STREAM);
  a->so_rcv_unread = true;  // the daemon saw ECONNRESET on its end of a's channel
  CHECK(soclose(*a) == 0);
  int e = 0;
  r.recv(*b, 10, 0, nullptr, &e);
  CHECK(e == ECONNRESET);
  auto [c, d] = r.pair(SOCK_STREAM);
  CHECK(soclose(*c) == 0);  // nothing unread: a clean EOF
  r.recv(*d, 10, 0, nullptr, &e);
  CHECK(e == 0);
}
