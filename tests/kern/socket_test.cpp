// The socket layer against a fake protocol that records its user requests:
// creation, listen and the accept queues, connect, send and receive policy,
// shutdown, close, and the state notifications.
#include "kern/fake_proto.hpp"

using namespace tunsock;
using namespace tunsock::test;

TEST_CASE("kern: socreate attaches the protocol and sizes the buffers") {
  FakeRig r;
  Socket* so = r.sock(SOCK_STREAM);
  CHECK(r.f.calls == std::vector<std::string>{"attach:0"});
  CHECK(so->so_id != 0);
  CHECK(r.st.find_socket(so->so_id) == so);
  CHECK(so->so_type == SOCK_STREAM);
  CHECK(so->so_proto->pr_protocol == 6);
  CHECK(so->so_cred.pid == 10);
  CHECK(so->so_snd.sb_hiwat == 212992);
  CHECK(so->so_rcv.sb_hiwat == 212992);
  r.st.sysctl().rmem_default = 4096;
  Socket* d = r.sock(SOCK_DGRAM, 17);
  CHECK(d->so_rcv.sb_hiwat == 4096);
  CHECK(r.st.sostat().created == 2);
}

TEST_CASE("kern: socreate errnos, type before protocol for this domain") {
  FakeRig r;
  Socket* so = nullptr;
  CHECK(socreate(r.st, kFakeFamily, &so, SOCK_RAW, 99, r.td) == ESOCKTNOSUPPORT);
  CHECK(socreate(r.st, kFakeFamily, &so, SOCK_DGRAM, 6, r.td) == EPROTONOSUPPORT);
  CHECK(socreate(r.st, kFakeFamily, &so, SOCK_STREAM, 99, r.td) == EPROTONOSUPPORT);
  CHECK(socreate(r.st, kFakeFamily, &so, 12, 0, r.td) == EINVAL);
  CHECK(socreate(r.st, -1, &so, SOCK_STREAM, 0, r.td) == EAFNOSUPPORT);
  CHECK(so == nullptr);
  CHECK(r.f.calls.empty());
  CHECK(socreate(r.st, kFakeFamily, &so, SOCK_STREAM, 6, r.td) == 0);
  CHECK(r.f.calls == std::vector<std::string>{"attach:6"});
}

TEST_CASE("kern: a failed attach frees the socket") {
  FakeRig r;
  r.f.attach_error = ENOBUFS;
  const size_t n = r.st.sockets().size();
  Socket* so = nullptr;
  CHECK(socreate(r.st, kFakeFamily, &so, SOCK_STREAM, 0, r.td) == ENOBUFS);
  CHECK(so == nullptr);
  CHECK(r.st.sockets().size() == n);
  CHECK(r.up.freed == 1);
}

TEST_CASE("kern: solisten checks, clamps the backlog, marks SOF_ACCEPTCONN") {
  FakeRig r;
  Socket* d = r.sock(SOCK_DGRAM);
  CHECK(solisten(*d, 5, r.td) == EOPNOTSUPP);
  CHECK(!r.f.has("listen"));
  Socket* c = r.connected();
  CHECK(solisten(*c, 5, r.td) == EINVAL);
  CHECK(!r.f.has("listen"));
  Socket* l = r.sock(SOCK_STREAM);
  r.f.listen_error = EADDRINUSE;
  CHECK(solisten(*l, 5, r.td) == EADDRINUSE);
  CHECK(!(l->so_options & SOF_ACCEPTCONN));
  r.f.listen_error = 0;
  CHECK(solisten(*l, 5, r.td) == 0);
  CHECK((l->so_options & SOF_ACCEPTCONN));
  CHECK(l->so_qlimit == 5);
  CHECK(solisten(*l, -3, r.td) == 0);
  CHECK(l->so_qlimit == 4096);
  // A listener's connect is the protocol's to refuse (Linux: AF_UNIX EINVAL, TCP EISCONN).
  r.f.connect_error = EISCONN;
  CHECK(soconnect(*l, SockAddr{}, r.td) == EISCONN);
  CHECK(r.f.has("connect"));
}

TEST_CASE("kern: sonewconn queues, soisconnected completes, Linux's backlog rule") {
  FakeRig r;
  Socket* l = r.sock(SOCK_STREAM);
  REQUIRE(solisten(*l, 1, r.td) == 0);
  CHECK(soaccept_check(*l) == EWOULDBLOCK);
  Socket* a = sonewconn(*l, 0);
  REQUIRE(a);
  CHECK(a->so_head == l);
  CHECK((a->so_state & SS_NOFDREF));
  CHECK(l->so_incqlen == 1);
  CHECK(l->so_qlen == 0);
  CHECK(soaccept_check(*l) == EWOULDBLOCK);
  int readable = r.up.readable;
  soisconnected(*a);
  CHECK(l->so_qlen == 1);
  CHECK(l->so_incqlen == 0);
  CHECK(r.up.readable == readable + 1);
  CHECK(soreadable(*l));
  Socket* b = sonewconn(*l, SS_ISCONNECTED);  // so_qlen 1 > 1 is false: room
  REQUIRE(b);
  CHECK(l->so_qlen == 2);
  CHECK(sonewconn(*l, SS_ISCONNECTED) == nullptr);  // 2 > 1
  CHECK(r.st.sostat().listen_overflows == 1);
  CHECK(soaccept_check(*l) == 0);
  CHECK(soaccept_dequeue(*l) == a);  // first in, first out
  CHECK(a->so_head == nullptr);
  SockAddr peer;
  CHECK(soaccept(*a, &peer) == 0);
  CHECK(!(a->so_state & SS_NOFDREF));
  CHECK(r.f.has("accept"));
  CHECK(peer.family() == kFakeFamily);
  CHECK(l->so_qlen == 1);
  Socket* notl = r.sock(SOCK_STREAM);
  CHECK(soaccept_check(*notl) == EINVAL);
}

TEST_CASE("kern: closing a listener aborts what nobody accepted") {
  FakeRig r;
  Socket* l = r.sock(SOCK_STREAM);
  REQUIRE(solisten(*l, 5, r.td) == 0);
  REQUIRE(sonewconn(*l, 0));
  REQUIRE(sonewconn(*l, SS_ISCONNECTED));
  const size_t n = r.st.sockets().size();
  r.f.calls.clear();
  CHECK(soclose(*l) == 0);
  CHECK(r.f.count("abort") == 2);
  CHECK(r.f.count("detach") == 3);
  CHECK(r.st.sockets().size() == n - 3);
  CHECK(r.up.freed == 3);
}

TEST_CASE("kern: soconnect policy") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(soconnect(*s, SockAddr{}, r.td) == 0);
  CHECK((s->so_state & SS_ISCONNECTED));
  CHECK(soconnect(*s, SockAddr{}, r.td) == EISCONN);
  CHECK(r.f.count("connect") == 1);
  r.f.connect_completes = false;
  Socket* t = r.sock(SOCK_STREAM);
  CHECK(soconnect(*t, SockAddr{}, r.td) == 0);
  CHECK((t->so_state & SS_ISCONNECTING));
  CHECK(soconnect(*t, SockAddr{}, r.td) == EALREADY);
  CHECK(!sowriteable(*t));
  Socket* d = r.sock(SOCK_DGRAM);
  r.f.connect_completes = true;
  CHECK(soconnect(*d, SockAddr{}, r.td) == 0);
  CHECK(soconnect(*d, SockAddr{}, r.td) == 0);  // connectionless: again is fine
  r.f.connect_error = ECONNREFUSED;
  Socket* u = r.sock(SOCK_STREAM);
  CHECK(soconnect(*u, SockAddr{}, r.td) == ECONNREFUSED);
  CHECK(r.st.sostat().connect_refused == 1);
}

TEST_CASE("kern: sosend policy before the protocol") {
  mbuf_drain_thread_cache();
  const uint64_t before = mbuf_stats().mbufs_in_use;
  {
    FakeRig r;
    Socket* s = r.sock(SOCK_STREAM);
    CHECK(sosend(*s, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == ENOTCONN);
    Socket* d = r.sock(SOCK_DGRAM);
    CHECK(sosend(*d, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == EDESTADDRREQ);
    SockAddr to;
    to.len = 2;
    CHECK(sosend(*d, &to, FakeRig::data("dgram"), nullptr, 0, r.td) == 0);
    CHECK(r.f.sent.back() == "dgram");
    // No PR_RIGHTS: control is refused and disposed of.
    mbuf* ctl = m_get(M_NOWAIT, MType::Control);
    CHECK(sosend(*d, &to, FakeRig::data("x"), ctl, 0, r.td) == EOPNOTSUPP);
    CHECK(r.f.has("dispose"));
    // EMSGSIZE for an atomic message bigger than the buffer.
    sbreserve(d->so_snd, 100);
    CHECK(sosend(*d, &to, FakeRig::data(std::string(101, 'x')), nullptr, 0, r.td) == EMSGSIZE);
    Socket* c = r.connected();
    CHECK(sosend(*c, nullptr, FakeRig::data("abc"), nullptr, MSG_EOR, r.td) == 0);
    CHECK(r.f.send_flags.back() == PRUS_EOR);
    // No room: EWOULDBLOCK without reaching the protocol.
    sbreserve(c->so_snd, 10);
    sbappendstream(c->so_snd, FakeRig::data("0123456789"));
    CHECK(sosendspace(*c) == 0);
    const int sends = int(r.f.sent.size());
    CHECK(sosend(*c, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == EWOULDBLOCK);
    CHECK(int(r.f.sent.size()) == sends);
    sbflush(c->so_snd);
    c->so_error = ETIMEDOUT;
    CHECK(sosend(*c, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == ETIMEDOUT);
    CHECK(c->so_error == 0);
    socantsendmore(*c);
    CHECK(sosend(*c, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == EPIPE);
    r.f.send_error = ENOBUFS;
    Socket* c2 = r.connected();
    CHECK(sosend(*c2, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == ENOBUFS);
  }
  CHECK(mbuf_stats().mbufs_in_use == before);  // every chain consumed
}

TEST_CASE("kern: soreceive on a stream: partial, peek, rcvd, EOF, errors") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  char buf[16];
  RecvArgs a;
  a.buf = reinterpret_cast<std::byte*>(buf);
  a.len = sizeof buf;
  CHECK(soreceive(*s, a) == ENOTCONN);
  REQUIRE(soconnect(*s, SockAddr{}, r.td) == 0);
  CHECK(soreceive(*s, a) == EWOULDBLOCK);
  sbappendstream(s->so_rcv, FakeRig::data("hello "));
  sbappendstream(s->so_rcv, FakeRig::data("world"));
  CHECK(s->so_rcv.sb_mb->m_nextpkt == nullptr);  // one stream record
  r.f.calls.clear();
  a.len = 3;
  a.flags = MSG_PEEK;
  CHECK(soreceive(*s, a) == 0);
  CHECK(std::string(buf, a.done) == "hel");
  CHECK(s->so_rcv.sb_cc == 11);
  CHECK(!r.f.has("rcvd"));
  a.len = 8;
  a.flags = 0;
  CHECK(soreceive(*s, a) == 0);
  CHECK(std::string(buf, a.done) == "hello wo");
  CHECK(r.f.has("rcvd"));
  CHECK(s->so_rcv.sb_cc == 3);
  a.flags = MSG_OOB;
  CHECK(soreceive(*s, a) == EOPNOTSUPP);
  s->so_error = ECONNRESET;
  a.flags = 0;
  CHECK(soreceive(*s, a) == 0);  // data before the error
  CHECK(std::string(buf, a.done) == "rld");
  a.flags = MSG_PEEK;
  CHECK(soreceive(*s, a) == ECONNRESET);
  a.flags = 0;
  CHECK(soreceive(*s, a) == ECONNRESET);
  CHECK(soreceive(*s, a) == EWOULDBLOCK);
  socantrcvmore(*s);
  CHECK(soreadable(*s));
  CHECK(soreceive(*s, a) == 0);
  CHECK(a.done == 0);
}

TEST_CASE("kern: soreceive hands back the chain itself with mp") {
  FakeRig r;
  Socket* s = r.connected();
  sbappendstream(s->so_rcv, FakeRig::data("chain"));
  mbuf* got = nullptr;
  RecvArgs a;
  a.mp = &got;
  a.len = 4;
  CHECK(soreceive(*s, a) == 0);
  REQUIRE(got);
  CHECK(m_length(got) == 4);
  char b[4];
  m_copydata(got, 0, 4, b);
  CHECK(std::string(b, 4) == "chai");
  m_freem(got);
  CHECK(s->so_rcv.sb_cc == 1);
}

TEST_CASE("kern: soreceive of datagrams: address, truncation, records") {
  FakeRig r;
  Socket* d = r.sock(SOCK_DGRAM);
  SockAddr from;
  from.ss.ss_family = kFakeFamily;
  from.len = 6;
  std::memcpy(reinterpret_cast<char*>(&from.ss) + 2, "abcd", 4);
  REQUIRE(sbappendaddr(d->so_rcv, from, FakeRig::data("first datagram"), nullptr));
  REQUIRE(sbappendaddr(d->so_rcv, from, FakeRig::data("second"), nullptr));
  char buf[8];
  SockAddr got;
  RecvArgs a;
  a.buf = reinterpret_cast<std::byte*>(buf);
  a.len = 5;
  a.from = &got;
  CHECK(soreceive(*d, a) == 0);
  CHECK(std::string(buf, a.done) == "first");
  CHECK((a.flags & MSG_TRUNC));
  CHECK(a.full == 14);
  CHECK(got.len == 6);
  CHECK(std::memcmp(&got.ss, &from.ss, 6) == 0);
  a.flags = 0;
  a.len = 8;
  CHECK(soreceive(*d, a) == 0);
  CHECK(std::string(buf, a.done) == "second");  // the rest of the first was dropped
  CHECK(!(a.flags & MSG_TRUNC));
  CHECK(d->so_rcv.sb_mb == nullptr);
  CHECK(d->so_rcv.sb_cc == 0);
  CHECK(d->so_rcv.sb_mbcnt == 0);
}

TEST_CASE("kern: soshutdown") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(soshutdown(*s, SHUT_RDWR) == ENOTCONN);  // this protocol lacks PR_SHUTUNCONN
  CHECK(soshutdown(*s, 3) == EINVAL);
  REQUIRE(soconnect(*s, SockAddr{}, r.td) == 0);
  sbappendstream(s->so_rcv, FakeRig::data("kept"));
  r.f.calls.clear();
  CHECK(soshutdown(*s, SHUT_RD) == 0);
  CHECK(r.f.calls == std::vector<std::string>{"flush:0"});
  CHECK((s->so_rcv.sb_state & SBS_CANTRCVMORE));
  CHECK(s->so_rcv.sb_cc == 4);  // Linux keeps what was queued
  CHECK(soshutdown(*s, SHUT_WR) == 0);
  CHECK(r.f.has("shutdown"));
  CHECK((s->so_snd.sb_state & SBS_CANTSENDMORE));
  Socket* l = r.sock(SOCK_STREAM);
  REQUIRE(solisten(*l, 1, r.td) == 0);
  CHECK(soshutdown(*l, SHUT_RD) == 0);
}

TEST_CASE("kern: state notifications and poll readiness") {
  FakeRig r;
  Socket* s = r.connected();
  CHECK(sowriteable(*s));
  CHECK(!soreadable(*s));
  int changes = r.up.statechange;
  soisdisconnecting(*s);
  CHECK((s->so_state & SS_ISDISCONNECTING));
  CHECK(r.up.statechange > changes);
  soisdisconnected(*s);
  CHECK(!(s->so_state & (SS_ISCONNECTED | SS_ISDISCONNECTING)));
  CHECK((s->so_rcv.sb_state & SBS_CANTRCVMORE));
  CHECK((s->so_snd.sb_state & SBS_CANTSENDMORE));
  CHECK(soreadable(*s));
  CHECK(sowriteable(*s));  // a write would not block: it fails
  CHECK(sodisconnect(*s) == ENOTCONN);
  SockAddr p;
  CHECK(sogetpeername(*s, &p) == ENOTCONN);
  Socket* t = r.sock(SOCK_STREAM);
  CHECK(!sowriteable(*t));
  Socket* d = r.sock(SOCK_DGRAM);
  CHECK(sowriteable(*d));
  CHECK(sosendspace(*d) == long(d->so_snd.sb_hiwat));  // the default: so_snd's room
}

TEST_CASE("kern: soclose disconnects, closes, detaches, frees") {
  FakeRig r;
  Socket* s = r.connected();
  r.f.calls.clear();
  const uint64_t id = s->so_id;
  CHECK(soclose(*s) == 0);
  CHECK(r.f.calls == std::vector<std::string>{"disconnect", "close", "detach"});
  CHECK(r.st.find_socket(id) == nullptr);
  CHECK(r.up.freed == 1);
  CHECK(r.st.sostat().freed == 1);
}

TEST_CASE("kern: sosend while connecting waits - PR_NOTCONN_EPIPE as Linux TCP") {
  FakeRig r;
  r.f.connect_completes = false;
  Socket* s = r.sock(SOCK_STREAM);
  REQUIRE(soconnect(*s, SockAddr{}, r.td) == 0);
  CHECK(sosend(*s, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == EWOULDBLOCK);
  Socket* t = r.sock(SOCK_SEQPACKET);
  CHECK(sosend(*t, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == EPIPE);
  t->so_error = ECONNREFUSED;
  CHECK(sosend(*t, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == ECONNREFUSED);
  CHECK(t->so_error == 0);
  REQUIRE(soconnect(*t, SockAddr{}, r.td) == 0);
  CHECK(sosend(*t, nullptr, FakeRig::data("x"), nullptr, 0, r.td) == EWOULDBLOCK);
  CHECK(r.f.sent.empty());
}
